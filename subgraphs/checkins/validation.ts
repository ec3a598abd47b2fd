import { badInput } from '../shared/errors.ts';
import { isInFuture, isUuid, PROVINCE_CODE, truncate, WARD_CODE } from '../shared/validate.ts';
import type { VenueCategory } from './db/schema.ts';
import type { ExposureQuery, TimeWindow } from './repositories/index.ts';
import type { ExposureRule } from './rule.ts';

/**
 * Every input check of the checkins subgraph, as pure functions. What a scan, a check-out or a
 * venue registration got wrong comes back as data (`Problem`), which the resolver answers with the
 * schema's Invalid… result; a batch's bad rows are rejected by index and the good ones stored; a
 * malformed query argument is BAD_USER_INPUT. The repositories take only what passed.
 */

/** Largest batch `recordCheckIns` takes (the rows travel as arrays, so not a parameter limit: a request size and latency one). */
export const MAX_BATCH_SIZE = 5000;
const MAX_TEXT = 200;

/** The input field at fault and what is wrong with it. */
export interface Problem {
  field: string;
  message: string;
}

export interface RegisterVenueInput {
  id?: string | null;
  name: string;
  category: VenueCategory;
  wardCode: string;
  provinceCode: string;
  qrCode: string;
}

export interface CheckInInput {
  id: string;
  qrCode: string;
  personId: string;
  at?: Date | null;
}

export interface CheckOutInput {
  id: string;
  at?: Date | null;
}

export interface CheckInRecordInput {
  id: string;
  qrCode: string;
  personId: string;
  checkedInAt: Date;
  checkedOutAt?: Date | null;
}

export type CheckInRejectionCode =
  | 'MALFORMED_ID'
  | 'MALFORMED_QR_CODE'
  | 'UNKNOWN_QR_CODE'
  | 'TIME_IN_FUTURE'
  | 'CHECK_OUT_BEFORE_CHECK_IN'
  | 'ID_CONFLICT';

export interface RejectedCheckIn {
  index: number;
  id: string | null;
  reason: string;
  code: CheckInRejectionCode;
  field: string;
}

function isValidText(value: string): boolean {
  return value.length > 0 && value.length <= MAX_TEXT && value.trim() === value;
}

const invalid = (field: string, message: string): Problem => ({ field, message });

export function venueProblem(input: RegisterVenueInput): Problem | null {
  if (input.id != null && !isUuid(input.id)) return invalid('id', `id must be a UUID, got "${truncate(input.id)}"`);
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_TEXT) return invalid('name', `name must have 1 to ${MAX_TEXT} characters`);
  if (!WARD_CODE.test(input.wardCode)) return invalid('wardCode', `wardCode must be a five-digit ward code, got "${truncate(input.wardCode)}"`);
  if (!PROVINCE_CODE.test(input.provinceCode)) {
    return invalid('provinceCode', `provinceCode must be a two-digit province code, got "${truncate(input.provinceCode)}"`);
  }
  if (!isValidText(input.qrCode)) return invalid('qrCode', `qrCode must have 1 to ${MAX_TEXT} characters and no surrounding spaces`);
  return null;
}

/** A scan; `at` defaults to `now`. */
export function checkInProblem(input: CheckInInput, now: Date): Problem | null {
  if (!isUuid(input.id)) return invalid('id', `id must be a UUID, got "${truncate(input.id)}"`);
  if (!isUuid(input.personId)) return invalid('personId', `personId must be a UUID, got "${truncate(input.personId)}"`);
  if (!isValidText(input.qrCode)) return invalid('qrCode', `qrCode must have 1 to ${MAX_TEXT} characters and no surrounding spaces`);
  const at = input.at ?? now;
  if (isInFuture(at, now)) return invalid('at', `Check-in time ${at.toISOString()} is in the future`);
  return null;
}

/** A check-out; `at` defaults to `now`. Whether it fits the stored check-in is the repository's to say. */
export function checkOutProblem(input: CheckOutInput, now: Date): Problem | null {
  if (!isUuid(input.id)) return invalid('id', `id must be a UUID, got "${truncate(input.id)}"`);
  const at = input.at ?? now;
  if (isInFuture(at, now)) return invalid('at', `Check-out time ${at.toISOString()} is in the future`);
  return null;
}

/** What is wrong with one row of a batch, apart from its QR code being unknown (that needs the database). */
function recordProblem(row: CheckInRecordInput, now: Date): { code: CheckInRejectionCode; field: string; reason: string } | null {
  if (!isUuid(row.id)) return { code: 'MALFORMED_ID', field: 'id', reason: `id must be a UUID, got "${truncate(row.id)}"` };
  if (!isUuid(row.personId)) return { code: 'MALFORMED_ID', field: 'personId', reason: `personId must be a UUID, got "${truncate(row.personId)}"` };
  if (!isValidText(row.qrCode)) {
    return { code: 'MALFORMED_QR_CODE', field: 'qrCode', reason: `qrCode must have 1 to ${MAX_TEXT} characters and no surrounding spaces` };
  }
  if (isInFuture(row.checkedInAt, now)) {
    return { code: 'TIME_IN_FUTURE', field: 'checkedInAt', reason: `checkedInAt ${row.checkedInAt.toISOString()} is in the future` };
  }
  if (row.checkedOutAt) {
    if (isInFuture(row.checkedOutAt, now)) {
      return { code: 'TIME_IN_FUTURE', field: 'checkedOutAt', reason: `checkedOutAt ${row.checkedOutAt.toISOString()} is in the future` };
    }
    if (row.checkedOutAt.getTime() < row.checkedInAt.getTime()) {
      return { code: 'CHECK_OUT_BEFORE_CHECK_IN', field: 'checkedOutAt', reason: 'checkedOutAt is before checkedInAt' };
    }
  }
  return null;
}

/** A row of a batch that is not stored, by its index and its id as sent (shortened). */
export function rejectedRow(index: number, row: CheckInRecordInput, code: CheckInRejectionCode, field: string, reason: string): RejectedCheckIn {
  return { index, id: typeof row.id === 'string' ? truncate(row.id) : null, code, field, reason };
}

/** A partner's batch after its checks: what the batch repository stores (check-in-batches.ts). */
export interface CheckedBatch {
  /** The batch as sent: a rejection names its row's id as sent. */
  rows: readonly CheckInRecordInput[];
  /** Each good row with its id in the stored (lower) case, made once for the look-up and the COPY. */
  valid: Array<{ index: number; row: CheckInRecordInput; id: string }>;
  /** The rows that failed a check, in index order. */
  rejected: RejectedCheckIn[];
}

/** Checks every row of a batch; a batch over MAX_BATCH_SIZE is refused whole (BAD_USER_INPUT). */
export function checkBatch(batch: readonly CheckInRecordInput[], now: Date): CheckedBatch {
  if (batch.length > MAX_BATCH_SIZE) {
    throw badInput(`A batch may hold at most ${MAX_BATCH_SIZE} check-ins; this one has ${batch.length}. Nothing was stored.`, 'batch');
  }
  const checked: CheckedBatch = { rows: batch, valid: [], rejected: [] };
  batch.forEach((row, index) => {
    const problem = recordProblem(row, now);
    if (problem) checked.rejected.push(rejectedRow(index, row, problem.code, problem.field, problem.reason));
    else checked.valid.push({ index, row, id: row.id.toLowerCase() });
  });
  return checked;
}

/** The arguments of `Person.checkIns` and `Venue.checkIns`. */
export function checkWindow(args: { from?: Date | null; to?: Date | null }): TimeWindow {
  const from = args.from ?? null;
  const to = args.to ?? null;
  if (from && to && from.getTime() >= to.getTime()) throw badInput('from must be before to', 'to');
  return { from, to };
}

/** The arguments of `Person.exposures` and the exposure look-ups, completed with the rule's default minimum overlap. */
export function checkExposureQuery(args: { from?: Date | null; to?: Date | null; minOverlapMinutes?: number | null }, rule: ExposureRule): ExposureQuery {
  const { from, to } = checkWindow(args);
  const minOverlapMinutes = args.minOverlapMinutes ?? rule.minOverlapMinutes;
  if (!Number.isInteger(minOverlapMinutes) || minOverlapMinutes < 0) {
    throw badInput('minOverlapMinutes must be zero or more', 'minOverlapMinutes');
  }
  return { from, to, minOverlapMinutes };
}
