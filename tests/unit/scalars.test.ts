import { describe, expect, it } from 'vitest';
import { DateTime, isoInstant, parseDateTime } from '../../subgraphs/shared/scalars.ts';

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

describe('isoInstant', () => {
  it('formats like toISOString: every millisecond boundary, day and leap year tried', () => {
    const samples = [0, 1, 999, 1000, 59_999, 60_000, 3_599_999, 86_399_999, 86_400_000, Date.parse('2024-02-29T23:59:59.999Z'), Date.parse('2000-03-01T00:00:00Z'), 253_402_300_799_999];
    let seed = 7;
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      samples.push(Math.floor((seed / 2_147_483_648) * 253_402_300_800_000));
    }
    for (const ms of samples) expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
    // Outside 1970-9999: toISOString's own forms.
    for (const ms of [-1, -86_400_000 * 400, 253_402_300_800_000, 8.64e15]) expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
  });

  it('is what DateTime answers', () => {
    expect(DateTime.serialize(new Date('2026-11-25T10:00:00+07:00'))).toBe('2026-11-25T03:00:00.000Z');
    expect(() => DateTime.serialize(new Date(Number.NaN))).toThrow(TypeError);
  });
});
