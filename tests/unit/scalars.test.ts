import { describe, expect, it } from 'vitest';
import { parseDateTime } from '../../subgraphs/shared/scalars.ts';

describe('DateTime', () => {
  it('accepts RFC 3339 instants with a zone', () => {
    expect(parseDateTime('2025-07-01T08:30:00+07:00').toISOString()).toBe('2025-07-01T01:30:00.000Z');
  });

  it('knows leap years and the length of each month', () => {
    expect(parseDateTime('2024-02-29T12:00:00Z').toISOString()).toBe('2024-02-29T12:00:00.000Z');
    expect(parseDateTime('2000-02-29T00:00:00.5+07:00').toISOString()).toBe('2000-02-28T17:00:00.500Z');
    expect(parseDateTime('2025-12-31T23:59:59.999999Z').getUTCFullYear()).toBe(2025);
  });

  it.each([
    '2025-07-01 08:30', '2025-07-01T08:30:00', 'yesterday', '2025-02-30T08:00:00Z', '2025-13-01T00:00:00Z', '2025-07-01T24:10:00Z',
    '2025-02-29T08:00:00Z', '1900-02-29T08:00:00Z', '2025-04-31T08:00:00Z', '2025-00-10T08:00:00Z', '2025-07-00T08:00:00Z', '2025-07-01T08:60:00Z',
  ])(
    'refuses %s with BAD_USER_INPUT',
    (value) => {
      expect(() => parseDateTime(value)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    },
  );
});
