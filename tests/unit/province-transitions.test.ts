import { describe, expect, it } from 'vitest';
import { canTransition } from '../../subgraphs/province/transitions.ts';
import { TRACING_TASK_STATUSES } from '../../subgraphs/province/db/schema.ts';

describe('tracing task transitions', () => {
  it('allows exactly the listed moves', () => {
    const allowed = TRACING_TASK_STATUSES.flatMap((from) => TRACING_TASK_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      ['NEW→CONTACTED', 'NEW→CLOSED', 'CONTACTED→ISOLATED', 'CONTACTED→TESTED', 'ISOLATED→TESTED', 'ISOLATED→CLOSED', 'TESTED→ISOLATED', 'TESTED→CLOSED'].sort(),
    );
  });
});
