import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPOSURE_RULE } from '../../subgraphs/checkins/rule.ts';
import {
  checkBatch,
  checkExposureQuery,
  checkInProblem,
  checkOutProblem,
  checkWindow,
  MAX_BATCH_SIZE,
  venueProblem,
} from '../../subgraphs/checkins/validation.ts';

const now = new Date('2026-01-01T12:00:00Z');
const ID = 'AAAAAAAA-0000-4000-8000-000000000001';
const PERSON = 'aaaaaaaa-0000-4000-8000-000000000002';
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

describe('checkins input checks', () => {
  it('names the field of a venue, a scan or a check-out that is wrong', () => {
    const venue = { name: ' Chợ Bến Thành ', category: 'MARKET' as const, wardCode: '26743', provinceCode: '79', qrCode: 'VN-79-BT-1' };
    expect(venueProblem(venue)).toBeNull();
    expect(venueProblem({ ...venue, id: 'x' })?.field).toBe('id');
    expect(venueProblem({ ...venue, name: '   ' })?.field).toBe('name');
    expect(venueProblem({ ...venue, wardCode: '2674' })?.field).toBe('wardCode');
    expect(venueProblem({ ...venue, qrCode: ' VN ' })?.field).toBe('qrCode');

    const scan = { id: ID, qrCode: 'VN-79-BT-1', personId: PERSON };
    expect(checkInProblem(scan, now)).toBeNull();
    expect(checkInProblem({ ...scan, personId: 'p' }, now)?.field).toBe('personId');
    expect(checkInProblem({ ...scan, at: new Date(now.getTime() + 3_600_000) }, now)).toEqual({ field: 'at', message: 'Check-in time 2026-01-01T13:00:00.000Z is in the future' });
    expect(checkOutProblem({ id: ID }, now)).toBeNull();
    expect(checkOutProblem({ id: 'x' }, now)?.field).toBe('id');
  });

  it('rejects the bad rows of a batch by index, keeps the good ones with lower-case ids, and refuses an oversized batch', () => {
    const row = { id: ID, qrCode: 'VN-79-BT-1', personId: PERSON, checkedInAt: hoursAgo(2) };
    const checked = checkBatch([row, { ...row, id: 'bad-id' }, { ...row, checkedOutAt: hoursAgo(3) }], now);
    expect(checked.valid).toEqual([{ index: 0, row, id: ID.toLowerCase() }]);
    expect(checked.rejected.map((r) => [r.index, r.id, r.code, r.field])).toEqual([
      [1, 'bad-id', 'MALFORMED_ID', 'id'],
      [2, ID, 'CHECK_OUT_BEFORE_CHECK_IN', 'checkedOutAt'],
    ]);
    expect(() => checkBatch(Array.from({ length: MAX_BATCH_SIZE + 1 }, () => row), now)).toThrow(/at most 5000 check-ins/);
  });

  it('checks windows and completes an exposure query from the rule', () => {
    expect(checkWindow({})).toEqual({ from: null, to: null });
    expect(() => checkWindow({ from: now, to: hoursAgo(1) })).toThrow('from must be before to');
    expect(checkExposureQuery({ to: now }, DEFAULT_EXPOSURE_RULE)).toEqual({ from: null, to: now, minOverlapMinutes: DEFAULT_EXPOSURE_RULE.minOverlapMinutes });
    expect(() => checkExposureQuery({ minOverlapMinutes: -1 }, DEFAULT_EXPOSURE_RULE)).toThrow('minOverlapMinutes must be zero or more');
  });
});
