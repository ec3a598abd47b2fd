import { describe, expect, it } from 'vitest';
import { parseDateTime } from '../../subgraphs/shared/scalars.ts';

describe('DateTime', () => {
  it('accepts RFC 3339 instants with a zone', () => {
    expect(parseDateTime('2025-07-01T08:30:00+07:00').toISOString()).toBe('2025-07-01T01:30:00.000Z');
  });

  it.each(['2025-07-01 08:30', '2025-07-01T08:30:00', 'yesterday', '2025-02-30T08:00:00Z', '2025-13-01T00:00:00Z', '2025-07-01T24:10:00Z'])(
    'refuses %s with BAD_USER_INPUT',
    (value) => {
      expect(() => parseDateTime(value)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    },
  );
});
