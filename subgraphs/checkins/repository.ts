import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { and, desc, asc, eq, gte, isNull, lte, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './db/schema.ts';
import type { CheckInRow, VenueRow } from './db/models.ts';
import type { VenueCategory } from './db/schema.ts';
import { badInput } from '../shared/errors.ts';
import { isInFuture, isUuid, PROVINCE_CODE, truncate, WARD_CODE } from '../shared/validate.ts';
import { maxStayMs, validateExposureRule, type ExposureRule } from './rule.ts';
import { EVERY_ROW, type RowFilter } from './access.ts';
import { joinedArray, textArray, uuidArray } from '../shared/sql.ts';
import { ReservedTransaction } from '../shared/db.ts';
import { isoInstant } from '../shared/scalars.ts';
import { candidateRanges, earliestContacts, type SubjectVisit } from './first-contacts.ts';

export type CheckinsDb = PostgresJsDatabase<typeof schema>;

/** Largest batch `recordCheckIns` takes (the rows travel as arrays, so not a parameter limit: a request size and latency one). */
export const MAX_BATCH_SIZE = 5000;

/**
 * A stored check-in with the same id whose time is within this distance is the same check-in (a
 * retry, e.g. a scan re-sent without `at`, so stamped with another server time) or a reused id.
 * Further apart, the same id is another check-in: check_ins is keyed (id, checked_in_at).
 */
export const SAME_ID_WINDOW_MS = 6 * 3_600_000;

/** How far before a check-out its check-in is looked for first (two daily partitions); then everywhere. */
const CHECK_OUT_LOOKBACK_MS = 24 * 3_600_000;

/** First key of the advisory lock a check-in takes on its id (the second is hashtext(id)). */
const CHECK_IN_LOCK_SPACE = 0x43484b49; // 'CHKI'
const MAX_TEXT = 200;

// ---------------------------------------------------------------------------------------------
// DTOs and results (result objects carry the SDL type name, so a union resolves without a switch)

export type VenueDto = VenueRow;

export interface CheckInDto {
  id: string;
  personId: string;
  venueId: string;
  checkedInAt: Date;
  checkedOutAt: Date | null;
  closedAutomatically: boolean;
}

export interface ExposureDto {
  personId: string;
  contactPersonId: string;
  venueId: string;
  overlapStart: Date;
  overlapEnd: Date;
  overlapMinutes: number;
  checkIn: CheckInDto;
  contactCheckIn: CheckInDto;
}

/** A time window; null ends are open. */
export interface TimeWindow {
  from: Date | null;
  to: Date | null;
}

export interface ExposureQuery extends TimeWindow {
  minOverlapMinutes: number;
  /** People not to report as contacts (contact tracing already knows them: the case and its F1s). */
  excludeContacts?: readonly string[];
}

export interface RegisterVenueInput {
  id?: string | null;
  name: string;
  category: VenueCategory;
  wardCode: string;
  provinceCode: string;
  qrCode: string;
}

export type RegisterVenueResult =
  | { __typename: 'VenueRegistered'; venue: VenueDto }
  | { __typename: 'InvalidVenue'; message: string; field: string }
  | { __typename: 'QrCodeTaken'; message: string; qrCode: string };

export interface CheckInInput {
  id: string;
  qrCode: string;
  personId: string;
  at?: Date | null;
}

export type CheckInResult =
  | { __typename: 'CheckInRecorded'; checkIn: CheckInDto; duplicate: boolean }
  | { __typename: 'VenueNotFound'; message: string; qrCode: string }
  | { __typename: 'InvalidCheckIn'; message: string; field: string }
  | { __typename: 'CheckInIdConflict'; message: string; id: string };

export type CheckOutResult =
  | { __typename: 'CheckedOut'; checkIn: CheckInDto }
  | { __typename: 'CheckInNotFound'; message: string; id: string }
  | { __typename: 'InvalidCheckOut'; message: string; field: string };

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

export interface RecordCheckInsResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedCheckIn[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isValidText(value: string): boolean {
  return value.length > 0 && value.length <= MAX_TEXT && value.trim() === value;
}

/** What is wrong with one row of a batch, apart from its QR code being unknown (that needs the database). */
function rowProblem(row: CheckInRecordInput, now: Date): { code: CheckInRejectionCode; field: string; reason: string } | null {
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

const iso = (at: Date | null): string | null => (at ? at.toISOString() : null);

/**
 * The rule's maximum stay as an SQL interval literal. It is configuration, not caller input, and
 * validated as an integer; as a constant it lets the planner see the scan bound.
 */
function maxStayInterval(rule: ExposureRule): SQL {
  if (!Number.isInteger(rule.maxStayMinutes)) throw new Error(`maxStayMinutes must be an integer, got ${rule.maxStayMinutes}`);
  return sql.raw(`interval '${rule.maxStayMinutes} minutes'`);
}

/**
 * When a visit is taken to have ended: its check-out, or check-in + maximum stay if there is none,
 * and never later than check-in + maximum stay (a forgotten check-out must not make a stay endless).
 */
function effectiveOut(rule: ExposureRule, checkedInAt: SQL, checkedOutAt: SQL): SQL {
  const max = maxStayInterval(rule);
  return sql`least(coalesce(${checkedOutAt}, ${checkedInAt} + ${max}), ${checkedInAt} + ${max})`;
}

/**
 * A caller's row filter (access.ts) as an SQL predicate on a check-in's venue and person columns;
 * undefined when it admits every row. NONE has no predicate: callers answer [] without a query.
 * The venue's province is looked up in `venues` (a primary-key probe per venue), so the rows the
 * caller may not read are never read out of the database.
 */
function visibleCheckIns(filter: Exclude<RowFilter, { kind: 'NONE' }>, venueId: SQLWrapper, personId: SQLWrapper): SQL | undefined {
  switch (filter.kind) {
    case 'ALL':
      return undefined;
    case 'VENUE_PROVINCES':
      return sql`${venueId} in (select v.id from venues v where v.province_code = any(${textArray(filter.provinces)}))`;
    case 'PERSON':
      return sql`${personId} = ${filter.personId}::uuid`;
  }
}

/** `column` within SAME_ID_WINDOW_MS of `at`. */
function nearTo(column: SQLWrapper, at: Date): SQL[] {
  return [
    gte(column, new Date(at.getTime() - SAME_ID_WINDOW_MS)),
    lte(column, new Date(at.getTime() + SAME_ID_WINDOW_MS)),
  ];
}

type CheckInFields = Pick<CheckInRow, 'id' | 'personId' | 'venueId' | 'checkedInAt' | 'checkedOutAt' | 'closedAutomatically'>;

/**
 * A check-out written by the maintenance job (check-in + maximum stay) is not a recorded one: it
 * is shown as no check-out and closedAutomatically, exactly as before the job ran.
 */
function toCheckInDto(row: CheckInFields, rule: ExposureRule, now: Date): CheckInDto {
  const checkedOutAt = row.closedAutomatically ? null : row.checkedOutAt;
  return {
    id: row.id,
    personId: row.personId,
    venueId: row.venueId,
    checkedInAt: row.checkedInAt,
    checkedOutAt,
    closedAutomatically: row.closedAutomatically || (checkedOutAt === null && row.checkedInAt.getTime() + maxStayMs(rule) <= now.getTime()),
  };
}

/** Raw `db.execute` rows carry timestamps as PostgreSQL text (drizzle turns off postgres.js date parsing). */
const toDate = (value: string | Date): Date => (value instanceof Date ? value : new Date(value));
const toDateOrNull = (value: string | Date | null): Date | null => (value === null ? null : toDate(value));

// ---------------------------------------------------------------------------------------------

/** Venues and their QR codes. */
export class VenueRepository {
  constructor(private readonly db: CheckinsDb) {}

  byIds(ids: readonly string[]): Promise<VenueDto[]> {
    return this.db.select().from(schema.venues).where(sql`${schema.venues.id} = any(${uuidArray(ids)})`);
  }

  byQrCodes(qrCodes: readonly string[]): Promise<VenueDto[]> {
    return this.db.select().from(schema.venues).where(sql`${schema.venues.qrCode} = any(${textArray(qrCodes)})`);
  }

  /**
   * Registers a venue. Insert-or-nothing on both the id and the QR code, so a retried registration
   * returns the venue and a taken QR code is reported without relying on a failed statement.
   */
  async register(input: RegisterVenueInput): Promise<RegisterVenueResult> {
    const invalid = (field: string, message: string): RegisterVenueResult => ({ __typename: 'InvalidVenue', message, field });
    if (input.id != null && !isUuid(input.id)) return invalid('id', `id must be a UUID, got "${truncate(input.id)}"`);
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_TEXT) return invalid('name', `name must have 1 to ${MAX_TEXT} characters`);
    if (!WARD_CODE.test(input.wardCode)) return invalid('wardCode', `wardCode must be a five-digit ward code, got "${truncate(input.wardCode)}"`);
    if (!PROVINCE_CODE.test(input.provinceCode)) {
      return invalid('provinceCode', `provinceCode must be a two-digit province code, got "${truncate(input.provinceCode)}"`);
    }
    if (!isValidText(input.qrCode)) {
      return invalid('qrCode', `qrCode must have 1 to ${MAX_TEXT} characters and no surrounding spaces`);
    }

    const row = {
      id: input.id?.toLowerCase() ?? randomUUID(),
      name,
      category: input.category,
      wardCode: input.wardCode,
      provinceCode: input.provinceCode,
      qrCode: input.qrCode,
    };
    const [inserted] = await this.db.insert(schema.venues).values(row).onConflictDoNothing().returning();
    if (inserted) return { __typename: 'VenueRegistered', venue: inserted };

    const [existing] = await this.byIds([row.id]);
    if (existing) {
      const same = existing.name === row.name && existing.category === row.category && existing.wardCode === row.wardCode &&
        existing.provinceCode === row.provinceCode && existing.qrCode === row.qrCode;
      if (same) return { __typename: 'VenueRegistered', venue: existing };
      return invalid('id', `A venue with id ${row.id} is already registered with other details`);
    }
    return { __typename: 'QrCodeTaken', message: `QR code "${truncate(row.qrCode)}" already belongs to another venue`, qrCode: row.qrCode };
  }
}

/**
 * Check-ins: single scans, check-outs and partner batches. The rule's maximum stay closes open visits.
 *
 * check_ins is partitioned by day and keyed (id, checked_in_at), so the database alone no longer
 * makes an id unique. The repository recognises an id within SAME_ID_WINDOW_MS of a stored
 * check-in with that id as the same check-in (a retry: a duplicate) or a reused id (a conflict);
 * a retried upload with the same time is also caught by the primary key. Every lookup is bounded
 * in time, so it touches one to three daily partitions rather than all of them.
 */
export class CheckInRepository {
  private readonly rule: ExposureRule;

  constructor(private readonly db: CheckinsDb, rule: ExposureRule) {
    this.rule = validateExposureRule(rule);
  }

  /** Checks the arguments of `Person.checkIns`. */
  window(args: { from?: Date | null; to?: Date | null }): TimeWindow {
    const from = args.from ?? null;
    const to = args.to ?? null;
    if (from && to && from.getTime() >= to.getTime()) throw badInput('from must be before to', 'to');
    return { from, to };
  }

  /**
   * Check-ins by id, optionally only those checked in within [from, to]. Without bounds this
   * probes the primary key index of every partition (an id alone cannot prune): about 30 index
   * probes with 21 days' retention and 7 days ahead. The write paths below always pass bounds.
   */
  async byIds(ids: readonly string[], now = new Date(), bounds?: { from: Date; to: Date }): Promise<CheckInDto[]> {
    const t = schema.checkIns;
    const conditions: SQL[] = [sql`${t.id} = any(${uuidArray(ids)})`];
    if (bounds) conditions.push(sql`${t.checkedInAt} >= ${iso(bounds.from)}::timestamptz and ${t.checkedInAt} <= ${iso(bounds.to)}::timestamptz`);
    const rows = await this.db.select().from(t).where(and(...conditions));
    return rows.map((row) => toCheckInDto(row, this.rule, now));
  }

  /**
   * Check-ins of many people whose visit overlaps [from, to), newest first per person: ONE statement.
   * `checked_in_at > from - maxStay` is implied by the overlap and keeps the index scan short.
   * Only the rows `visible` admits: the caller's filter (access.ts), which the loaders always pass.
   */
  async forPeople(personIds: readonly string[], window: TimeWindow, visible: RowFilter = EVERY_ROW, now = new Date()): Promise<CheckInDto[]> {
    return this.overlapping(schema.checkIns.personId, personIds, window, visible, now);
  }

  /** The same, per venue (a venue's visits in a window, e.g. one day), newest first. */
  async forVenues(venueIds: readonly string[], window: TimeWindow, visible: RowFilter = EVERY_ROW, now = new Date()): Promise<CheckInDto[]> {
    return this.overlapping(schema.checkIns.venueId, venueIds, window, visible, now);
  }

  /**
   * Whether the person has at least one check-in `visible` admits (whose trail a province official
   * may read, `movementAuditTrail`): one probe of check_ins_person_checked_in_idx per partition,
   * stopping at the first row.
   */
  async anyVisible(personId: string, visible: RowFilter): Promise<boolean> {
    if (visible.kind === 'NONE') return false;
    const t = schema.checkIns;
    const conditions: SQL[] = [eq(t.personId, personId)];
    const allowed = visibleCheckIns(visible, t.venueId, t.personId);
    if (allowed) conditions.push(allowed);
    const rows = await this.db.select({ one: sql<number>`1` }).from(t).where(and(...conditions)).limit(1);
    return rows.length > 0;
  }

  private async overlapping(
    owner: typeof schema.checkIns.personId | typeof schema.checkIns.venueId,
    ids: readonly string[],
    window: TimeWindow,
    visible: RowFilter,
    now: Date,
  ): Promise<CheckInDto[]> {
    if (visible.kind === 'NONE' || ids.length === 0) return [];
    const t = schema.checkIns;
    const conditions: SQL[] = [sql`${owner} = any(${uuidArray(ids)})`];
    const allowed = visibleCheckIns(visible, t.venueId, t.personId);
    if (allowed) conditions.push(allowed);
    if (window.to) conditions.push(sql`${t.checkedInAt} < ${iso(window.to)}::timestamptz`);
    if (window.from) {
      const from = sql`${iso(window.from)}::timestamptz`;
      conditions.push(sql`${t.checkedInAt} > ${from} - ${maxStayInterval(this.rule)}`);
      conditions.push(sql`${effectiveOut(this.rule, sql`${t.checkedInAt}`, sql`${t.checkedOutAt}`)} > ${from}`);
    }
    const rows = await this.db
      .select()
      .from(t)
      .where(and(...conditions))
      .orderBy(asc(owner), desc(t.checkedInAt), desc(t.id));
    return rows.map((row) => toCheckInDto(row, this.rule, now));
  }

  /**
   * One scan. The venue is looked up by QR code; then, under a transaction-scoped advisory lock on
   * the id (so two copies of a scan retried without `at`, hence with different times, cannot both
   * be stored), a stored check-in with this id near in time makes it a duplicate or a conflict;
   * otherwise the row is inserted (ON CONFLICT (id, checked_in_at) DO NOTHING).
   */
  async checkIn(input: CheckInInput, now = new Date()): Promise<CheckInResult> {
    const invalid = (field: string, message: string): CheckInResult => ({ __typename: 'InvalidCheckIn', message, field });
    if (!isUuid(input.id)) return invalid('id', `id must be a UUID, got "${truncate(input.id)}"`);
    if (!isUuid(input.personId)) return invalid('personId', `personId must be a UUID, got "${truncate(input.personId)}"`);
    if (!isValidText(input.qrCode)) return invalid('qrCode', `qrCode must have 1 to ${MAX_TEXT} characters and no surrounding spaces`);
    const at = input.at ?? now;
    if (isInFuture(at, now)) return invalid('at', `Check-in time ${at.toISOString()} is in the future`);

    const id = input.id.toLowerCase();
    const personId = input.personId.toLowerCase();
    const [venue] = await this.db.select({ id: schema.venues.id }).from(schema.venues).where(eq(schema.venues.qrCode, input.qrCode));
    if (!venue) return { __typename: 'VenueNotFound', message: `No venue has QR code "${truncate(input.qrCode)}"`, qrCode: input.qrCode };

    const t = schema.checkIns;
    const stored = await this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${CHECK_IN_LOCK_SPACE}::int, hashtext(${id}))`);
      const [near] = await tx
        .select()
        .from(t)
        .where(and(eq(t.id, id), ...nearTo(t.checkedInAt, at)))
        .orderBy(sql`abs(extract(epoch from ${t.checkedInAt} - ${iso(at)}::timestamptz))`)
        .limit(1);
      if (near) return { row: near, inserted: false };
      const [inserted] = await tx
        .insert(t)
        .values({ id, personId, venueId: venue.id, checkedInAt: at })
        .onConflictDoNothing({ target: [t.id, t.checkedInAt] })
        .returning();
      if (inserted) return { row: inserted, inserted: true };
      // A batch upload stored this very (id, time) meanwhile (batches take no advisory lock).
      const [same] = await tx.select().from(t).where(and(eq(t.id, id), eq(t.checkedInAt, at)));
      return { row: same, inserted: false };
    });
    if (!stored.row) throw new Error(`check-in ${id} is neither stored nor insertable`);
    const checkIn = toCheckInDto(stored.row, this.rule, now);
    if (stored.inserted) return { __typename: 'CheckInRecorded', checkIn, duplicate: false };
    if (checkIn.personId === personId && checkIn.venueId === venue.id) return { __typename: 'CheckInRecorded', checkIn, duplicate: true };
    return { __typename: 'CheckInIdConflict', message: `Check-in id ${id} was already used for another person or venue`, id };
  }

  /**
   * Closes a check-in with one conditional UPDATE (only while no check-out is recorded, and not
   * before check-in), so two concurrent check-outs cannot both win; when it changes nothing the
   * stored row says why. A check-out the maintenance job wrote (maximum stay) is replaced by a
   * real one.
   *
   * The row is located first, among the check-ins of the day before `at` (two daily partitions,
   * where a check-out almost always finds its check-in); only if that finds nothing are all
   * partitions probed (see byIds). The UPDATE then names the full primary key: one partition.
   */
  async checkOut(input: { id: string; at?: Date | null }, now = new Date()): Promise<CheckOutResult> {
    const invalid = (field: string, message: string): CheckOutResult => ({ __typename: 'InvalidCheckOut', message, field });
    if (!isUuid(input.id)) return invalid('id', `id must be a UUID, got "${truncate(input.id)}"`);
    const id = input.id.toLowerCase();
    const at = input.at ?? now;
    if (isInFuture(at, now)) return invalid('at', `Check-out time ${at.toISOString()} is in the future`);

    const t = schema.checkIns;
    const locate = async (bounded: boolean): Promise<CheckInRow | undefined> => {
      const conditions: SQL[] = [eq(t.id, id)];
      if (bounded) {
        conditions.push(sql`${t.checkedInAt} >= ${iso(new Date(at.getTime() - CHECK_OUT_LOOKBACK_MS))}::timestamptz`);
        conditions.push(sql`${t.checkedInAt} <= ${iso(new Date(at.getTime() + SAME_ID_WINDOW_MS))}::timestamptz`);
      }
      // The latest check-in at or before `at`; failing that, the one after it (to say "before the check-in").
      const [row] = await this.db
        .select()
        .from(t)
        .where(and(...conditions))
        .orderBy(sql`${t.checkedInAt} <= ${iso(at)}::timestamptz desc`, desc(t.checkedInAt))
        .limit(1);
      return row;
    };
    const found = (await locate(true)) ?? (await locate(false));
    if (!found) return { __typename: 'CheckInNotFound', message: `No check-in has id ${id}`, id };

    const atThisRow = and(eq(t.id, id), eq(t.checkedInAt, found.checkedInAt));
    const [updated] = await this.db
      .update(t)
      .set({ checkedOutAt: at, closedAutomatically: false })
      .where(and(atThisRow, or(isNull(t.checkedOutAt), eq(t.closedAutomatically, true)), lte(t.checkedInAt, at)))
      .returning();
    if (updated) return { __typename: 'CheckedOut', checkIn: toCheckInDto(updated, this.rule, now) };

    const [current] = await this.db.select().from(t).where(atThisRow);
    const existing = toCheckInDto(current ?? found, this.rule, now);
    if (existing.checkedOutAt) {
      // A repeated check-out is harmless; one at another time would rewrite history.
      if (input.at == null || existing.checkedOutAt.getTime() === at.getTime()) return { __typename: 'CheckedOut', checkIn: existing };
      return invalid('at', `Check-in ${id} was already checked out at ${existing.checkedOutAt.toISOString()}`);
    }
    return invalid('at', `Check-out time ${at.toISOString()} is before the check-in at ${existing.checkedInAt.toISOString()}`);
  }

  /**
   * A partner's batch: every row is checked, all QR codes are resolved with one query, stored
   * check-ins with the same ids near in time are read with one query, and all new rows are stored
   * with ONE statement (COPY; atomic by itself). Rows not stored are compared with the stored
   * ones: a retry is a duplicate, a reused id is rejected. An id sent twice in one batch is stored
   * once: the first row wins, later ones are compared with it.
   *
   * The look-up of stored check-ins runs while the COPY does, on another connection, and the COPY
   * commits only when the look-up found none near any of its rows: a fresh batch (the usual one)
   * waits for the longer of the two, not for both in turn. Otherwise the COPY is rolled back and
   * the rows not yet stored are written again.
   */
  async record(batch: readonly CheckInRecordInput[], now = new Date()): Promise<RecordCheckInsResult> {
    if (batch.length > MAX_BATCH_SIZE) {
      throw badInput(`A batch may hold at most ${MAX_BATCH_SIZE} check-ins; this one has ${batch.length}. Nothing was stored.`, 'batch');
    }
    const rejected: RejectedCheckIn[] = [];
    const reject = (index: number, row: CheckInRecordInput, code: CheckInRejectionCode, field: string, reason: string): void => {
      rejected.push({ index, id: typeof row.id === 'string' ? truncate(row.id) : null, code, field, reason });
    };

    // Each good row with its id in the stored (lower) case, made once for the look-up and the COPY.
    const checked: Array<{ index: number; row: CheckInRecordInput; id: string }> = [];
    batch.forEach((row, index) => {
      const problem = rowProblem(row, now);
      if (problem) reject(index, row, problem.code, problem.field, problem.reason);
      else checked.push({ index, row, id: row.id.toLowerCase() });
    });
    const byIndex = (a: RejectedCheckIn, b: RejectedCheckIn) => a.index - b.index;
    if (checked.length === 0) return { accepted: 0, duplicates: 0, rejected: rejected.sort(byIndex) };

    // Started now, awaited below: it needs only ids and times (rows of unknown venues are probed
    // too, harmlessly). Its failure is handled where it is awaited, never left unhandled.
    const probe = this.storedNear(checked.map(({ row, id }) => ({ id, checkedInAt: row.checkedInAt })), now);
    probe.catch(() => {});

    const qrCodes = [...new Set(checked.map(({ row }) => row.qrCode))];
    const venues = await this.db
      .select({ id: schema.venues.id, qrCode: schema.venues.qrCode })
      .from(schema.venues)
      .where(sql`${schema.venues.qrCode} = any(${textArray(qrCodes)})`);
    const venueByQr = new Map(venues.map((v) => [v.qrCode, v.id]));

    type Good = NewRow & { index: number };
    const first: Good[] = [];
    const repeated: Good[] = [];
    const seen = new Set<string>();
    for (const { index, row, id } of checked) {
      const venueId = venueByQr.get(row.qrCode);
      if (!venueId) {
        reject(index, row, 'UNKNOWN_QR_CODE', 'qrCode', `No venue has QR code "${truncate(row.qrCode)}"`);
        continue;
      }
      const good = { index, id, personId: row.personId.toLowerCase(), venueId, checkedInAt: row.checkedInAt, checkedOutAt: row.checkedOutAt ?? null };
      if (seen.has(good.id)) repeated.push(good);
      else {
        seen.add(good.id);
        first.push(good);
      }
    }
    if (first.length === 0) {
      await probe.catch(() => {}); // not needed for the answer: its failure does not fail the batch
      return { accepted: 0, duplicates: 0, rejected: rejected.sort(byIndex) };
    }

    const stored = new Map<string, CheckInDto[]>();
    const remember = (c: CheckInDto) => stored.set(c.id, [...(stored.get(c.id) ?? []), c]);
    const isNear = (a: { checkedInAt: Date }, b: { checkedInAt: Date }) => Math.abs(a.checkedInAt.getTime() - b.checkedInAt.getTime()) <= SAME_ID_WINDOW_MS;
    const isFresh = (g: Good) => !(stored.get(g.id) ?? []).some((c) => isNear(g, c));
    const probed = probe.then((found) => {
      for (const c of found) remember(c);
      return first.every(isFresh);
    });
    probed.catch(() => {});

    let insertedIds = new Set<string>();
    const outcome = await this.copyIn(first, probed);
    if (outcome === 'stored') insertedIds = new Set(first.map((g) => g.id));
    else {
      await probed;
      const fresh = first.filter(isFresh);
      if (fresh.length > 0) {
        // Written without a second look-up. As with look-up-then-COPY, an upload of one of these
        // ids at a shifted time that commits in between is not seen; the window now also spans
        // the withdrawn COPY.
        if (outcome === 'withdrawn' && (await this.copyIn(fresh, Promise.resolve(true))) === 'stored') insertedIds = new Set(fresh.map((g) => g.id));
        else {
          // A concurrent upload stored one of these (id, time) pairs since the look-up (the COPY
          // was refused and stored nothing), or COPY is not available: insert, skipping what is
          // already there, then read what was skipped.
          insertedIds = await this.insertSkippingStored(fresh);
          const skipped = fresh.filter((g) => !insertedIds.has(g.id));
          if (skipped.length > 0) for (const c of await this.storedNear(skipped, now)) remember(c);
        }
      }
    }

    // What a later row with the same id is compared with: the first row if it was stored.
    const firstStored = new Map<string, Good>();
    if (repeated.length > 0) for (const g of first) if (insertedIds.has(g.id)) firstStored.set(g.id, g);

    let duplicates = 0;
    const compare = (g: Good): void => {
      const candidates: Array<{ personId: string; venueId: string; checkedInAt: Date }> = [
        ...(stored.get(g.id) ?? []),
        ...(firstStored.has(g.id) ? [firstStored.get(g.id)!] : []),
      ];
      const near = candidates
        .filter((c) => isNear(c, g))
        .sort((a, b) => Math.abs(a.checkedInAt.getTime() - g.checkedInAt.getTime()) - Math.abs(b.checkedInAt.getTime() - g.checkedInAt.getTime()))[0];
      if (near && near.personId === g.personId && near.venueId === g.venueId) duplicates += 1;
      else reject(g.index, batch[g.index]!, 'ID_CONFLICT', 'id', `id ${g.id} was already used for another person or venue`);
    };
    if (insertedIds.size < first.length) for (const g of first) if (!insertedIds.has(g.id)) compare(g);
    for (const g of repeated) compare(g);
    return { accepted: insertedIds.size, duplicates, rejected: rejected.sort(byIndex) };
  }

  /**
   * Stored check-ins with the ids of `rows`, each within SAME_ID_WINDOW_MS of its row's time: ONE
   * statement, one primary-key probe per row. The lateral subquery (kept one by OFFSET 0) pins
   * that plan: with thousands of ids in `= any(…)` or a plain join, and the statistics of a day
   * being written, the planner was seen scanning the days' partitions whole (150–300 ms for 5000
   * rows instead of a few). The batch's overall time range prunes partitions at plan time, each
   * row's own window at run time.
   */
  private async storedNear(rows: ReadonlyArray<{ id: string; checkedInAt: Date }>, now: Date): Promise<CheckInDto[]> {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rows) {
      lo = Math.min(lo, r.checkedInAt.getTime());
      hi = Math.max(hi, r.checkedInAt.getTime());
    }
    const window = sql.raw(`interval '${SAME_ID_WINDOW_MS / 1000} seconds'`);
    // Thousands of loops cost enough on paper to trigger JIT, whose compilation (~20 ms) would take
    // longer than the probes: the subgraph's connections have it off (shared/db.ts).
    const found = await this.db.execute<StoredSqlRow>(sql`
      select c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at, c.closed_automatically
      from unnest(${joinedArray(rows.map((r) => r.id))}::uuid[], ${joinedArray(rows.map((r) => isoInstant(r.checkedInAt.getTime())))}::timestamptz[]) as r(id, at)
      cross join lateral (
        select * from check_ins c
        where c.id = r.id
          and c.checked_in_at between r.at - ${window} and r.at + ${window}
          and c.checked_in_at between ${new Date(lo - SAME_ID_WINDOW_MS).toISOString()}::timestamptz
                                  and ${new Date(hi + SAME_ID_WINDOW_MS).toISOString()}::timestamptz
        offset 0 -- keeps the subquery a subquery: a nested loop of index probes, never a join of whole partitions
      ) as c`);
    return found.map((r) =>
      toCheckInDto(
        { id: r.id, personId: r.person_id, venueId: r.venue_id, checkedInAt: toDate(r.checked_in_at), checkedOutAt: toDateOrNull(r.checked_out_at), closedAutomatically: r.closed_automatically },
        this.rule,
        now,
      ),
    );
  }

  /**
   * Stores new rows with COPY … FROM STDIN: one statement, all or nothing, and PostgreSQL's
   * fastest way in (it fills each partition's pages in bulk, where INSERT … SELECT goes row by
   * row; see tests/bench/ingest.bench.ts). Its transaction commits once the COPY is done and
   * `keep` says yes. 'stored': every row was stored. 'withdrawn': `keep` said no or failed, or not within
   * LOOK_UP_WAIT_MS; nothing was stored. 'refused': the server refused the COPY and nothing was stored (a row whose
   * (id, checked_in_at) is already there; the caller's INSERT then skips it, or raises any other
   * error). 'unavailable': not a pooled postgres.js handle; the caller's INSERT does the same, slower.
   */
  private async copyIn(rows: readonly NewRow[], keep: Promise<boolean>): Promise<'stored' | 'withdrawn' | 'refused' | 'unavailable'> {
    const client = (this.db as unknown as { $client?: postgres.Sql }).$client;
    if (typeof client?.reserve !== 'function') return 'unavailable';
    if (rows.length === 0) return 'stored';
    const data = copyData(rows);
    // In a transaction of its own, so that a refused COPY is visible: postgres.js 3.4.9 never
    // settles a COPY writable that the server rejects after CopyDone, and the error goes nowhere
    // (porsager/postgres#1173, fix pending in #1183). The transaction is then aborted, and
    // COMMIT answers ROLLBACK instead of failing.
    const transaction = await ReservedTransaction.begin(client);
    if (!transaction) return 'unavailable';
    try {
      const stream = await transaction.run(() => transaction.sql`copy check_ins (id, person_id, venue_id, checked_in_at, checked_out_at) from stdin`.writable());
      let failed: unknown = null;
      stream.on('error', (error) => (failed = error)); // a refusal is reported through the transaction below
      for (const piece of data.slice(0, -1)) stream.write(piece);
      await transaction.run(
        () =>
          new Promise<void>((resolve) => {
            stream.write(data.at(-1)!, () => resolve());
            stream.once('close', resolve); // destroyed: refused, or the connection failed
          }),
      );
      // The server refuses a COPY with an error on an open connection; any other error is the connection's.
      if (failed && !(failed instanceof postgres.PostgresError)) throw failed;
      stream.end();
      // A failed look-up withdraws the rows too; the caller then reports its error.
      const end = (await within(keep, LOOK_UP_WAIT_MS).catch(() => false)) === true ? 'commit' : 'rollback';
      const ended = await this.afterCopy(transaction, end);
      if (end === 'rollback') return 'withdrawn';
      return ended === 'COMMIT' ? 'stored' : 'refused';
    } catch (error) {
      await transaction.rollback(error);
      throw error;
    } finally {
      transaction.release();
    }
  }

  /**
   * Ends the transaction of the COPY just ended; the command tag it answers (COMMIT, or ROLLBACK
   * when the COPY failed). postgres.js refuses to queue a statement while its COPY stream is still
   * open, which ends as soon as end()'s CopyDone is on its way. Each attempt follows a timer, not
   * setImmediate: postgres.js sends a short statement from a setImmediate of its own, and one
   * queued from the check phase waits for the next, so a socket closing in between leaves that
   * connection unable to send anything after it reconnects (src/connection.js closed() cancels
   * the immediate but keeps its handle: write() never schedules another).
   */
  private async afterCopy(transaction: ReservedTransaction, end: 'commit' | 'rollback'): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      try {
        const result = await transaction.run(() => (end === 'commit' ? transaction.sql`commit` : transaction.sql`rollback`));
        return result.command;
      } catch (error) {
        if (sqlState(error) === 'COPY_IN_PROGRESS' && attempt < 1000) continue;
        throw error;
      }
    }
  }

  /** The rows as five arrays (unnest), ONE INSERT … ON CONFLICT (id, checked_in_at) DO NOTHING; the ids it stored. */
  private async insertSkippingStored(rows: readonly NewRow[]): Promise<Set<string>> {
    // Times travel as text[]: drizzle hands timestamptz[] parameters to postgres.js unserialised.
    // No check-out is '' rather than null, so the array's type never depends on its first element.
    const inserted = await this.db.execute<{ id: string }>(sql`
      insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at)
      select r.id, r.person_id, r.venue_id, r.checked_in_at, nullif(r.checked_out_text, '')::timestamptz
      from unnest(
        ${uuidArray(rows.map((g) => g.id))}, ${uuidArray(rows.map((g) => g.personId))}, ${uuidArray(rows.map((g) => g.venueId))},
        ${sql.param(rows.map((g) => g.checkedInAt.toISOString()))}::text[]::timestamptz[],
        ${sql.param(rows.map((g) => iso(g.checkedOutAt) ?? ''))}::text[]
      ) as r(id, person_id, venue_id, checked_in_at, checked_out_text)
      on conflict (id, checked_in_at) do nothing
      returning id`);
    return new Set(inserted.map((r) => r.id));
  }
}

/** A row of a batch, checked and with its venue resolved. */
interface NewRow {
  id: string;
  personId: string;
  venueId: string;
  checkedInAt: Date;
  checkedOutAt: Date | null;
}

/**
 * How long a finished COPY waits for the look-up of stored ids before giving up its locks. The
 * look-up runs on another connection: queued behind a lock request that itself waits for the
 * COPY's transaction (a partition being created or dropped, a migration), it would wait for ever,
 * and PostgreSQL cannot see a cycle that goes through the client. Rolling back breaks it; the rows
 * are then written after the look-up, as a withdrawn COPY's are.
 */
const LOOK_UP_WAIT_MS = 1000;

/** `promise`'s value, or 'late' when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The longest line copyData writes: three UUIDs, two instants (24 characters up to year 9999; room for 30), separators. */
const MAX_COPY_LINE = 3 * 36 + 2 * 30 + 5;

/** Rows per piece of COPY data: pieces of about 60 kB are allocated and copied (postgres.js copies each into its message) without fresh pages from the kernel, which a megabyte buffer needs every time. */
const COPY_ROWS_PER_PIECE = 350;

/**
 * The rows in COPY's text format, written straight into buffers: a quarter of the CPU of building
 * the text as a string and encoding it (measured: 3 ms instead of 11.5 for 5,000 rows).
 * Ids are validated UUIDs and times ISO instants: ASCII, nothing to escape.
 */
function copyData(rows: readonly NewRow[]): Buffer[] {
  const pieces: Buffer[] = [];
  const TAB = 9;
  for (let start = 0; start < rows.length; start += COPY_ROWS_PER_PIECE) {
    const end = Math.min(start + COPY_ROWS_PER_PIECE, rows.length);
    const out = Buffer.allocUnsafe((end - start) * MAX_COPY_LINE);
    let at = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      at += out.write(r.id, at, 'latin1');
      out[at++] = TAB;
      at += out.write(r.personId, at, 'latin1');
      out[at++] = TAB;
      at += out.write(r.venueId, at, 'latin1');
      out[at++] = TAB;
      at += out.write(isoInstant(r.checkedInAt.getTime()), at, 'latin1');
      out[at++] = TAB;
      at += r.checkedOutAt ? out.write(isoInstant(r.checkedOutAt.getTime()), at, 'latin1') : out.write('\\N', at, 'latin1');
      out[at++] = 10; // newline
    }
    pieces.push(out.subarray(0, at));
  }
  return pieces;
}

interface StoredSqlRow extends Record<string, unknown> {
  id: string;
  person_id: string;
  venue_id: string;
  checked_in_at: string;
  checked_out_at: string | null;
  closed_automatically: boolean;
}

/** The SQLSTATE of a failed query (drizzle wraps postgres.js's error in its own, as `cause`). */
export function sqlState(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.cause?.code === 'string' ? e.cause.code : '';
}

interface ExposureSqlRow extends Record<string, unknown> {
  person_id: string;
  venue_id: string;
  check_in_id: string;
  checked_in_at: string;
  checked_out_at: string | null;
  closed_automatically: boolean;
  contact_person_id: string;
  contact_check_in_id: string;
  contact_checked_in_at: string;
  contact_checked_out_at: string | null;
  contact_closed_automatically: boolean;
  overlap_start: string;
  overlap_end: string;
  overlap_minutes: number;
}

/** A check-in with its times as milliseconds since the epoch (numbers: parsing 40,000 timestamps as text cost more than the rest). */
interface VisitSqlRow extends Record<string, unknown> {
  id: string;
  person_id: string;
  venue_id: string;
  in_ms: number;
  out_ms: number | null;
  closed_automatically: boolean;
}

const epochMs = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;
const visitColumns = (t: SQL) =>
  sql`${t}.id, ${t}.person_id, ${t}.venue_id, ${epochMs(sql`${t}.checked_in_at`)} as in_ms, ${epochMs(sql`${t}.checked_out_at`)} as out_ms, ${t}.closed_automatically`;

/** Close contacts at venues (tiếp xúc gần), found from overlapping check-ins under one exposure rule. */
export class ExposureRepository {
  readonly rule: ExposureRule;

  constructor(private readonly db: CheckinsDb, rule: ExposureRule) {
    this.rule = validateExposureRule(rule);
  }

  /** Checks and completes the arguments of `Person.exposures` (defaults from the rule). */
  query(args: { from?: Date | null; to?: Date | null; minOverlapMinutes?: number | null }): ExposureQuery {
    const from = args.from ?? null;
    const to = args.to ?? null;
    if (from && to && from.getTime() >= to.getTime()) throw badInput('from must be before to', 'to');
    const minOverlapMinutes = args.minOverlapMinutes ?? this.rule.minOverlapMinutes;
    if (!Number.isInteger(minOverlapMinutes) || minOverlapMinutes < 0) {
      throw badInput('minOverlapMinutes must be zero or more', 'minOverlapMinutes');
    }
    return { from, to, minOverlapMinutes };
  }

  /**
   * Exposures of many people in ONE statement (`person_id = any($1)`), ordered by person, then
   * overlapStart. Two visits to a venue overlap when a.in < b.out and b.in < a.out (effective
   * check-out times); the overlap is cut to [from, to) and kept when at least minOverlapMinutes
   * long (and longer than zero). Because no visit lasts longer than the maximum stay, the other
   * visit's check-in lies in (my in − maxStay, my out): a short range on check_ins_venue_checked_in_idx.
   * For the same reason it lies in (from − maxStay, to), which limits both sides to the window's
   * daily partitions at plan time.
   *
   * Only exposures at venues `visible` admits: the caller's filter (access.ts), which the
   * resolvers always pass (the default serves the hub's benchmarks and repository tests).
   */
  async forPeople(personIds: readonly string[], query: ExposureQuery, visible: RowFilter = EVERY_ROW, now = new Date()): Promise<ExposureDto[]> {
    if (personIds.length === 0 || visible.kind === 'NONE') return [];
    return this.exposures(personIds, query, visible, now);
  }

  /**
   * For every person met by any of `subjects`, the earliest close contact only (ties: the subject
   * with the lower id), each subject's overlap counted from their own `from`: how tracing finds F2
   * (an F1 can pass it on only after their own exposure) without sending back every pair in a
   * crowd. `query.from` is ignored; `query.to` bounds every subject. Only exposures at venues
   * `visible` admits, as in forPeople.
   *
   * Two indexed reads and a pass in memory (first-contacts.ts explains why): the subjects' visits
   * by the person index; then, per venue, every other visit in the merged time ranges those
   * visits could overlap, by the venue index, without the excluded people.
   */
  async firstContactsOf(subjects: ReadonlyArray<{ personId: string; from: Date }>, query: ExposureQuery, visible: RowFilter = EVERY_ROW, now = new Date()): Promise<ExposureDto[]> {
    if (subjects.length === 0 || visible.kind === 'NONE') return [];
    const max = maxStayInterval(this.rule);
    const earliest = new Date(Math.min(...subjects.map((s) => s.from.getTime())));
    const to = sql`coalesce(${iso(query.to)}::timestamptz, 'infinity'::timestamptz)`;
    const allowed = visibleCheckIns(visible, sql`c.venue_id`, sql`c.person_id`);
    const ids = subjects.map((s) => s.personId);
    const mine = await this.db.execute<VisitSqlRow & { from_ms: number }>(sql`
      select ${visitColumns(sql`c`)}, ${epochMs(sql`s.from_at`)} as from_ms
      from unnest(${uuidArray(ids)}, ${sql.param(subjects.map((s) => s.from.toISOString()))}::text[]::timestamptz[]) s(person_id, from_at)
      -- One probe of the person index per subject (kept a subquery by OFFSET 0). As a join on
      -- person_id = any(…) of 2,000 F1s, the planner estimated most of a day's partition and
      -- scanned it whole, in parallel workers: 190-260 ms (30 of them planning) instead of 20.
      cross join lateral (
        select * from check_ins c
        where c.person_id = s.person_id
          and c.checked_in_at > s.from_at - ${max}
          -- Constant bounds of every subject's: the planner prunes the daily partitions with them.
          and c.checked_in_at > ${earliest.toISOString()}::timestamptz - ${max}
          and c.checked_in_at < ${to}${allowed ? sql`
          and ${allowed}` : sql``}
        offset 0
      ) c`);
    const subjectVisits = mine.map((r) => this.visit(r, r.from_ms));
    const toMs = query.to?.getTime() ?? Infinity;
    const minOverlapMs = query.minOverlapMinutes * 60_000;
    const ranges = candidateRanges(subjectVisits, toMs, minOverlapMs, maxStayMs(this.rule));
    if (ranges.length === 0) return [];

    // The other visit is at the same venue, so in the same province: `visible` needs no second test.
    const excluded = query.excludeContacts?.length
      ? sql` and not exists (select 1 from unnest(${uuidArray(query.excludeContacts)}) x(id) where x.id = o.person_id)`
      : sql``;
    const others = await this.db.execute<VisitSqlRow>(sql`
      select ${visitColumns(sql`o`)}
      from unnest(${uuidArray(ranges.map((r) => r.venueId))},
                  ${sql.param(ranges.map((r) => new Date(r.afterMs).toISOString()))}::text[]::timestamptz[],
                  ${sql.param(ranges.map((r) => new Date(r.beforeMs).toISOString()))}::text[]::timestamptz[]) w(venue_id, after_at, before_at)
      join check_ins o on o.venue_id = w.venue_id and o.checked_in_at > w.after_at and o.checked_in_at < w.before_at
      -- Constant bounds of every range: the planner prunes the daily partitions with them.
      where o.checked_in_at > ${new Date(Math.min(...ranges.map((r) => r.afterMs))).toISOString()}::timestamptz
        and o.checked_in_at < ${new Date(Math.max(...ranges.map((r) => r.beforeMs))).toISOString()}::timestamptz${excluded}`);
    const contacts = earliestContacts(subjectVisits, others.map((r) => this.visit(r)), { toMs, minOverlapMs, maxStayMs: maxStayMs(this.rule) });
    return contacts.map((c) => ({
      personId: c.subject.personId,
      contactPersonId: c.contact.personId,
      venueId: c.subject.venueId,
      overlapStart: new Date(c.startMs),
      overlapEnd: new Date(c.endMs),
      overlapMinutes: Math.floor((c.endMs - c.startMs) / 60_000),
      checkIn: this.checkInDto(c.subject.row, now),
      contactCheckIn: this.checkInDto(c.contact.row, now),
    }));
  }

  /**
   * A check-in with its effective end: its check-out, or check-in + maximum stay, whichever is
   * earlier. `fromMs`: when a subject's overlaps start to count (another visit's: from its check-in).
   */
  private visit(row: VisitSqlRow, fromMs = -Infinity): SubjectVisit & { row: VisitSqlRow } {
    const latest = row.in_ms + maxStayMs(this.rule);
    const outMs = row.out_ms === null ? latest : Math.min(row.out_ms, latest);
    return { id: row.id, personId: row.person_id, venueId: row.venue_id, inMs: row.in_ms, outMs, fromMs, row };
  }

  // No object spread in here or in `visit`: for a crowd's 30,000 check-ins, spreading cost five times the rest (measured).
  private checkInDto(r: VisitSqlRow, now: Date): CheckInDto {
    const checkedOutAt = r.out_ms === null ? null : new Date(r.out_ms);
    return toCheckInDto(
      { id: r.id, personId: r.person_id, venueId: r.venue_id, checkedInAt: new Date(r.in_ms), checkedOutAt, closedAutomatically: r.closed_automatically },
      this.rule,
      now,
    );
  }

  /**
   * The exposure statement of forPeople. The caller's filter is a predicate on the asked-about
   * people's own check-ins (`mine`): the other check-in of a pair is at the same venue, so it is
   * in the same province.
   */
  private async exposures(personIds: readonly string[], query: ExposureQuery, visible: Exclude<RowFilter, { kind: 'NONE' }>, now: Date): Promise<ExposureDto[]> {
    const from = sql`coalesce(${iso(query.from)}::timestamptz, '-infinity'::timestamptz)`;
    const allowed = visibleCheckIns(visible, sql`c.venue_id`, sql`c.person_id`);
    const max = maxStayInterval(this.rule);
    const to = sql`coalesce(${iso(query.to)}::timestamptz, 'infinity'::timestamptz)`;
    // An anti-join on the pairs that qualify, which PostgreSQL hashes: as a `<> all(…)` filter on
    // every candidate visit it was compared with each excluded id (F2 of a crowd: 5x slower).
    const excluded = query.excludeContacts?.length
      ? sql` and not exists (select 1 from unnest(${uuidArray(query.excludeContacts)}) x(id) where x.id = p.contact_person_id)`
      : sql``;
    const matching = sql`
      -- Materialised: the asked-about visits are few and found first. Inlined, the planner could
      -- misjudge a crowd's (F2 of a busy market at 10M check-ins) and scan every visit in the
      -- window to probe back into them: 19 s instead of 2 s, measured.
      with mine as materialized (
        select c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at, c.closed_automatically,
               ${effectiveOut(this.rule, sql`c.checked_in_at`, sql`c.checked_out_at`)} as effective_out
        from check_ins c
        where c.person_id = any(${uuidArray(personIds)})
          and c.checked_in_at < ${to}
          and c.checked_in_at > ${from} - ${max}${allowed ? sql`
          and ${allowed}` : sql``}
      ),
      pairs as (
        select m.person_id, m.venue_id, m.id as check_in_id, m.checked_in_at, m.checked_out_at, m.closed_automatically,
               o.person_id as contact_person_id, o.id as contact_check_in_id,
               o.checked_in_at as contact_checked_in_at, o.checked_out_at as contact_checked_out_at,
               o.closed_automatically as contact_closed_automatically,
               greatest(m.checked_in_at, o.checked_in_at, ${from}) as overlap_start,
               least(m.effective_out, ${effectiveOut(this.rule, sql`o.checked_in_at`, sql`o.checked_out_at`)}, ${to}) as overlap_end
        from mine m
        join check_ins o
          on o.venue_id = m.venue_id
         and o.checked_in_at > m.checked_in_at - ${max}
         and o.checked_in_at < m.effective_out
         and o.person_id <> m.person_id
         -- Implied by the above and by the overlap lying in [from, to), and constant: they let the
         -- planner prune check_ins' daily partitions for o as it does for mine.
         and o.checked_in_at > ${from} - ${max}
         and o.checked_in_at < ${to}
        where m.checked_in_at < ${effectiveOut(this.rule, sql`o.checked_in_at`, sql`o.checked_out_at`)}
      )
      select p.*, floor(extract(epoch from (p.overlap_end - p.overlap_start)) / 60)::int as overlap_minutes
      from pairs p
      where p.overlap_end > p.overlap_start${excluded}
        and p.overlap_end - p.overlap_start >= ${query.minOverlapMinutes}::int * interval '1 minute'`;
    const rows = await this.db.execute<ExposureSqlRow>(sql`${matching} order by p.person_id, p.overlap_start, p.contact_check_in_id`);
    return rows.map((r) => ({
      personId: r.person_id,
      contactPersonId: r.contact_person_id,
      venueId: r.venue_id,
      overlapStart: toDate(r.overlap_start),
      overlapEnd: toDate(r.overlap_end),
      overlapMinutes: r.overlap_minutes,
      checkIn: toCheckInDto(
        {
          id: r.check_in_id,
          personId: r.person_id,
          venueId: r.venue_id,
          checkedInAt: toDate(r.checked_in_at),
          checkedOutAt: toDateOrNull(r.checked_out_at),
          closedAutomatically: r.closed_automatically,
        },
        this.rule,
        now,
      ),
      contactCheckIn: toCheckInDto(
        {
          id: r.contact_check_in_id,
          personId: r.contact_person_id,
          venueId: r.venue_id,
          checkedInAt: toDate(r.contact_checked_in_at),
          checkedOutAt: toDateOrNull(r.contact_checked_out_at),
          closedAutomatically: r.contact_closed_automatically,
        },
        this.rule,
        now,
      ),
    }));
  }
}
