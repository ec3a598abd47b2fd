import { randomUUID } from 'node:crypto';
import { and, desc, asc, eq, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './db/schema.ts';
import type { CheckInRow, NewCheckInRow, VenueRow } from './db/models.ts';
import type { VenueCategory } from './db/schema.ts';
import { badInput } from '../shared/errors.ts';
import { isInFuture, isUuid, PROVINCE_CODE, truncate, WARD_CODE } from '../shared/validate.ts';
import { maxStayMs, validateExposureRule, type ExposureRule } from './rule.ts';

export type CheckinsDb = PostgresJsDatabase<typeof schema>;

/** Largest batch `recordCheckIns` takes: 5000 rows × 4 values stays well under PostgreSQL's 65535 parameters. */
export const MAX_BATCH_SIZE = 5000;
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

/** An array bound as ONE parameter (drizzle would otherwise expand it into a list of parameters). */
const uuidArray = (ids: readonly string[]): SQL => sql`${sql.param([...ids])}::uuid[]`;
const textArray = (values: readonly string[]): SQL => sql`${sql.param([...values])}::text[]`;

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

function toCheckInDto(row: Pick<CheckInRow, 'id' | 'personId' | 'venueId' | 'checkedInAt' | 'checkedOutAt'>, rule: ExposureRule, now: Date): CheckInDto {
  return {
    id: row.id,
    personId: row.personId,
    venueId: row.venueId,
    checkedInAt: row.checkedInAt,
    checkedOutAt: row.checkedOutAt,
    closedAutomatically: row.checkedOutAt === null && row.checkedInAt.getTime() + maxStayMs(rule) <= now.getTime(),
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

/** Check-ins: single scans, check-outs and partner batches. The rule's maximum stay closes open visits. */
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

  async byIds(ids: readonly string[], now = new Date()): Promise<CheckInDto[]> {
    const rows = await this.db.select().from(schema.checkIns).where(sql`${schema.checkIns.id} = any(${uuidArray(ids)})`);
    return rows.map((row) => toCheckInDto(row, this.rule, now));
  }

  /**
   * Check-ins of many people whose visit overlaps [from, to), newest first per person: ONE statement.
   * `checked_in_at > from - maxStay` is implied by the overlap and keeps the index scan short.
   */
  async forPeople(personIds: readonly string[], window: TimeWindow, now = new Date()): Promise<CheckInDto[]> {
    const t = schema.checkIns;
    const conditions: SQL[] = [sql`${t.personId} = any(${uuidArray(personIds)})`];
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
      .orderBy(asc(t.personId), desc(t.checkedInAt), desc(t.id));
    return rows.map((row) => toCheckInDto(row, this.rule, now));
  }

  /**
   * One scan. The venue is looked up by QR code, then the row is inserted with ON CONFLICT DO
   * NOTHING on the client-made id; when nothing was inserted the stored row tells a retry (same
   * person and venue) from a reused id.
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

    const [inserted] = await this.db
      .insert(schema.checkIns)
      .values({ id, personId, venueId: venue.id, checkedInAt: at })
      .onConflictDoNothing({ target: schema.checkIns.id })
      .returning();
    if (inserted) return { __typename: 'CheckInRecorded', checkIn: toCheckInDto(inserted, this.rule, now), duplicate: false };

    const [existing] = await this.byIds([id], now);
    if (existing && existing.personId === personId && existing.venueId === venue.id) {
      return { __typename: 'CheckInRecorded', checkIn: existing, duplicate: true };
    }
    return { __typename: 'CheckInIdConflict', message: `Check-in id ${id} was already used for another person or venue`, id };
  }

  /**
   * Closes a check-in with one conditional UPDATE (only while open and not before check-in), so two
   * concurrent check-outs cannot both win; when it changes nothing the stored row says why.
   */
  async checkOut(input: { id: string; at?: Date | null }, now = new Date()): Promise<CheckOutResult> {
    const invalid = (field: string, message: string): CheckOutResult => ({ __typename: 'InvalidCheckOut', message, field });
    if (!isUuid(input.id)) return invalid('id', `id must be a UUID, got "${truncate(input.id)}"`);
    const id = input.id.toLowerCase();
    const at = input.at ?? now;
    if (isInFuture(at, now)) return invalid('at', `Check-out time ${at.toISOString()} is in the future`);

    const t = schema.checkIns;
    const [updated] = await this.db
      .update(t)
      .set({ checkedOutAt: at })
      .where(and(eq(t.id, id), isNull(t.checkedOutAt), lte(t.checkedInAt, at)))
      .returning();
    if (updated) return { __typename: 'CheckedOut', checkIn: toCheckInDto(updated, this.rule, now) };

    const [existing] = await this.byIds([id], now);
    if (!existing) return { __typename: 'CheckInNotFound', message: `No check-in has id ${id}`, id };
    if (existing.checkedOutAt) {
      // A repeated check-out is harmless; one at another time would rewrite history.
      if (input.at == null || existing.checkedOutAt.getTime() === at.getTime()) return { __typename: 'CheckedOut', checkIn: existing };
      return invalid('at', `Check-in ${id} was already checked out at ${existing.checkedOutAt.toISOString()}`);
    }
    return invalid('at', `Check-out time ${at.toISOString()} is before the check-in at ${existing.checkedInAt.toISOString()}`);
  }

  /**
   * A partner's batch: every row is checked, all QR codes are resolved with one query, and all good
   * rows are stored with ONE multi-row INSERT … ON CONFLICT (id) DO NOTHING (atomic by itself).
   * Rows not inserted are compared with the stored ones: a retry is a duplicate, a reused id is rejected.
   */
  async record(batch: readonly CheckInRecordInput[], now = new Date()): Promise<RecordCheckInsResult> {
    if (batch.length > MAX_BATCH_SIZE) {
      throw badInput(`A batch may hold at most ${MAX_BATCH_SIZE} check-ins; this one has ${batch.length}. Nothing was stored.`, 'batch');
    }
    const rejected: RejectedCheckIn[] = [];
    const reject = (index: number, row: CheckInRecordInput, code: CheckInRejectionCode, field: string, reason: string): void => {
      rejected.push({ index, id: typeof row.id === 'string' ? truncate(row.id) : null, code, field, reason });
    };

    const checked: Array<{ index: number; row: CheckInRecordInput }> = [];
    batch.forEach((row, index) => {
      const problem = rowProblem(row, now);
      if (problem) reject(index, row, problem.code, problem.field, problem.reason);
      else checked.push({ index, row });
    });

    const qrCodes = [...new Set(checked.map(({ row }) => row.qrCode))];
    const venues = qrCodes.length > 0 ? await this.db
      .select({ id: schema.venues.id, qrCode: schema.venues.qrCode })
      .from(schema.venues)
      .where(sql`${schema.venues.qrCode} = any(${textArray(qrCodes)})`) : [];
    const venueByQr = new Map(venues.map((v) => [v.qrCode, v.id]));

    const good: Array<{ index: number; value: NewCheckInRow & { id: string; personId: string; venueId: string } }> = [];
    for (const { index, row } of checked) {
      const venueId = venueByQr.get(row.qrCode);
      if (!venueId) {
        reject(index, row, 'UNKNOWN_QR_CODE', 'qrCode', `No venue has QR code "${truncate(row.qrCode)}"`);
        continue;
      }
      good.push({
        index,
        value: { id: row.id.toLowerCase(), personId: row.personId.toLowerCase(), venueId, checkedInAt: row.checkedInAt, checkedOutAt: row.checkedOutAt ?? null },
      });
    }

    if (good.length === 0) return { accepted: 0, duplicates: 0, rejected: rejected.sort((a, b) => a.index - b.index) };

    const inserted = await this.db
      .insert(schema.checkIns)
      .values(good.map((g) => g.value))
      .onConflictDoNothing({ target: schema.checkIns.id })
      .returning({ id: schema.checkIns.id });
    // An id sent twice in one batch is inserted once: the first row wins, later ones are compared below.
    const insertedIds = new Set(inserted.map((r) => r.id));
    const claimed = new Set<string>();
    const notInserted: typeof good = [];
    for (const g of good) {
      if (insertedIds.has(g.value.id) && !claimed.has(g.value.id)) claimed.add(g.value.id);
      else notInserted.push(g);
    }

    let duplicates = 0;
    if (notInserted.length > 0) {
      const stored = new Map((await this.byIds([...new Set(notInserted.map((g) => g.value.id))], now)).map((c) => [c.id, c]));
      for (const { index, value } of notInserted) {
        const existing = stored.get(value.id);
        if (existing && existing.personId === value.personId && existing.venueId === value.venueId) duplicates += 1;
        else reject(index, batch[index]!, 'ID_CONFLICT', 'id', `id ${value.id} was already used for another person or venue`);
      }
    }
    return { accepted: inserted.length, duplicates, rejected: rejected.sort((a, b) => a.index - b.index) };
  }
}

interface ExposureSqlRow extends Record<string, unknown> {
  person_id: string;
  venue_id: string;
  check_in_id: string;
  checked_in_at: string;
  checked_out_at: string | null;
  contact_person_id: string;
  contact_check_in_id: string;
  contact_checked_in_at: string;
  contact_checked_out_at: string | null;
  overlap_start: string;
  overlap_end: string;
  overlap_minutes: number;
}

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
   */
  async forPeople(personIds: readonly string[], query: ExposureQuery, now = new Date()): Promise<ExposureDto[]> {
    if (personIds.length === 0) return [];
    const max = maxStayInterval(this.rule);
    const from = sql`coalesce(${iso(query.from)}::timestamptz, '-infinity'::timestamptz)`;
    const to = sql`coalesce(${iso(query.to)}::timestamptz, 'infinity'::timestamptz)`;
    const rows = await this.db.execute<ExposureSqlRow>(sql`
      with mine as (
        select c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at,
               ${effectiveOut(this.rule, sql`c.checked_in_at`, sql`c.checked_out_at`)} as effective_out
        from check_ins c
        where c.person_id = any(${uuidArray(personIds)})
          and c.checked_in_at < ${to}
          and c.checked_in_at > ${from} - ${max}
      ),
      pairs as (
        select m.person_id, m.venue_id, m.id as check_in_id, m.checked_in_at, m.checked_out_at,
               o.person_id as contact_person_id, o.id as contact_check_in_id,
               o.checked_in_at as contact_checked_in_at, o.checked_out_at as contact_checked_out_at,
               greatest(m.checked_in_at, o.checked_in_at, ${from}) as overlap_start,
               least(m.effective_out, ${effectiveOut(this.rule, sql`o.checked_in_at`, sql`o.checked_out_at`)}, ${to}) as overlap_end
        from mine m
        join check_ins o
          on o.venue_id = m.venue_id
         and o.checked_in_at > m.checked_in_at - ${max}
         and o.checked_in_at < m.effective_out
         and o.person_id <> m.person_id
        where m.checked_in_at < ${effectiveOut(this.rule, sql`o.checked_in_at`, sql`o.checked_out_at`)}
      )
      select p.*, floor(extract(epoch from (p.overlap_end - p.overlap_start)) / 60)::int as overlap_minutes
      from pairs p
      where p.overlap_end > p.overlap_start
        and p.overlap_end - p.overlap_start >= ${query.minOverlapMinutes}::int * interval '1 minute'
      order by p.person_id, p.overlap_start, p.contact_check_in_id`);
    return rows.map((r) => ({
      personId: r.person_id,
      contactPersonId: r.contact_person_id,
      venueId: r.venue_id,
      overlapStart: toDate(r.overlap_start),
      overlapEnd: toDate(r.overlap_end),
      overlapMinutes: r.overlap_minutes,
      checkIn: toCheckInDto(
        { id: r.check_in_id, personId: r.person_id, venueId: r.venue_id, checkedInAt: toDate(r.checked_in_at), checkedOutAt: toDateOrNull(r.checked_out_at) },
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
        },
        this.rule,
        now,
      ),
    }));
  }
}
