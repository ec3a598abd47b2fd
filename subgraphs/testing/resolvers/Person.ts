import { requireUuid } from '../../shared/validate.ts';
import type { TestingContext } from './context.ts';

/**
 * Person belongs to the declarations subgraph; testing only adds fields, so a reference needs no
 * read. Both fields hold only what the caller may see (filtered in SQL) and are audited (reader.ts).
 */
export const Person = {
  __resolveReference: (ref: { id: string }) => ({ id: requireUuid(ref.id, 'id') }),
  testResults: (p: { id: string }, _: unknown, ctx: TestingContext) => ctx.reader.resultsOf(p.id.toLowerCase()),
  testSchedule: (p: { id: string }, _: unknown, ctx: TestingContext) => ctx.reader.scheduleOf(p.id.toLowerCase()),
  latestTest: (p: { id: string }, _: unknown, ctx: TestingContext) => ctx.reader.latestOf(p.id.toLowerCase()),
};
