import { and, desc, asc, eq, gte, isNull, lte, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { CheckinsDb, CheckInRow } from '../db/models.ts';
import { validateExposureRule, type ExposureRule } from '../rule.ts';
import { EVERY_ROW, type RowFilter } from '../access.ts';
import type { CheckInInput, CheckOutInput } from '../validation.ts';
import { keysMatch, keysValue, uuidArray } from '../../shared/sql.ts';
import { truncate } from '../../shared/validate.ts';
import { effectiveOut, iso, maxStayInterval, SAME_ID_WINDOW_MS, toCheckInDto, visibleCheckIns, visibleCheckInsOfKind } from './check-in-rows.ts';

/** How far before a check-out its check-in is looked for first (two daily partitions); then everywhere. */
const CHECK_OUT_LOOKBACK_MS = 24 * 3_600_000;

/** First key of the advisory lock a check-in takes on its id (the second is hashtext(id)). */
const CHECK_IN_LOCK_SPACE = 0x43484b49; // 'CHKI'

/** `column` within SAME_ID_WINDOW_MS of `at`. */
function nearTo(column: SQLWrapper, at: Date): SQL[] {
  return [
    gte(column, new Date(at.getTime() - SAME_ID_WINDOW_MS)),
    lte(column, new Date(at.getTime() + SAME_ID_WINDOW_MS)),
  ];
}

export interface CheckInDto {
  id: string;
  personId: string;
  venueId: string;
  checkedInAt: Date;
  checkedOutAt: Date | null;
  closedAutomatically: boolean;
}

/** A time window; null ends are open. */
export interface TimeWindow {
  from: Date | null;
  to: Date | null;
}

/** Result objects carry the SDL type name, so a union resolves without a switch. */
export type CheckInResult =
  | { __typename: 'CheckInRecorded'; checkIn: CheckInDto; duplicate: boolean }
  | { __typename: 'VenueNotFound'; message: string; qrCode: string }
  | { __typename: 'InvalidCheckIn'; message: string; field: string }
  | { __typename: 'CheckInIdConflict'; message: string; id: string };

export type CheckOutResult =
  | { __typename: 'CheckedOut'; checkIn: CheckInDto }
  | { __typename: 'CheckInNotFound'; message: string; id: string }
  | { __typename: 'InvalidCheckOut'; message: string; field: string };

/** A statement of CheckInRepository.overlapping, built once (placeholders: keys, from, to, provinces, person). */
interface OverlappingQuery {
  execute(values: Record<string, unknown>): Promise<CheckInRow[]>;
}

/**
 * Check-ins: single scans, check-outs and reads (partners' batches: check-in-batches.ts). The rule's maximum stay closes open visits.
 *
 * check_ins is partitioned by day and keyed (id, checked_in_at), so the database alone no longer
 * makes an id unique. The repository recognises an id within SAME_ID_WINDOW_MS of a stored
 * check-in with that id as the same check-in (a retry: a duplicate) or a reused id (a conflict);
 * a retried upload with the same time is also caught by the primary key. Every lookup is bounded
 * in time, so it touches one to three daily partitions rather than all of them.
 */
export class CheckInRepository {
  private readonly rule: ExposureRule;
  private readonly overlappingQueries = new Map<string, OverlappingQuery>();

  constructor(private readonly db: CheckinsDb, rule: ExposureRule) {
    this.rule = validateExposureRule(rule);
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
    return this.overlapping('person', personIds, window, visible, now);
  }

  /** The same, per venue (a venue's visits in a window, e.g. one day), newest first. */
  async forVenues(venueIds: readonly string[], window: TimeWindow, visible: RowFilter = EVERY_ROW, now = new Date()): Promise<CheckInDto[]> {
    return this.overlapping('venue', venueIds, window, visible, now);
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

  private async overlapping(owner: 'person' | 'venue', ids: readonly string[], window: TimeWindow, visible: RowFilter, now: Date): Promise<CheckInDto[]> {
    if (visible.kind === 'NONE' || ids.length === 0) return [];
    const rows = await this.overlappingQuery(owner, ids.length === 1, window, visible.kind).execute({
      keys: keysValue(ids),
      from: iso(window.from),
      to: iso(window.to),
      provinces: visible.kind === 'VENUE_PROVINCES' ? [...visible.provinces] : null,
      person: visible.kind === 'PERSON' ? visible.personId : null,
    });
    return rows.map((row) => toCheckInDto(row, this.rule, now));
  }

  /**
   * The statement of overlapping() for one shape (whose check-ins, one key or more, which ends of
   * the window, the filter's kind; at most 24), built once with placeholders and prepared: drizzle
   * otherwise built its SQL text on every call, about a third of the client CPU of a person's
   * check-ins (measured). One key is `= $1`, which PostgreSQL plans once (shared/sql.ts anyUuid).
   */
  private overlappingQuery(owner: 'person' | 'venue', one: boolean, window: TimeWindow, kind: Exclude<RowFilter['kind'], 'NONE'>): OverlappingQuery {
    const shape = `${owner}_${one ? 'one' : 'many'}_${window.from ? 'from' : ''}${window.to ? 'to' : ''}_${kind.toLowerCase()}`;
    let query = this.overlappingQueries.get(shape);
    if (query) return query;
    const t = schema.checkIns;
    const column = owner === 'person' ? t.personId : t.venueId;
    const conditions: SQL[] = [keysMatch(column, one, 'uuid')];
    const allowed = visibleCheckInsOfKind(kind, t.venueId, t.personId, { provinces: sql`${sql.placeholder('provinces')}::text[]`, personId: sql`${sql.placeholder('person')}` });
    if (allowed) conditions.push(allowed);
    if (window.to) conditions.push(sql`${t.checkedInAt} < ${sql.placeholder('to')}::timestamptz`);
    if (window.from) {
      const from = sql`${sql.placeholder('from')}::timestamptz`;
      conditions.push(sql`${t.checkedInAt} > ${from} - ${maxStayInterval(this.rule)}`);
      conditions.push(sql`${effectiveOut(this.rule, sql`${t.checkedInAt}`, sql`${t.checkedOutAt}`)} > ${from}`);
    }
    query = this.db
      .select()
      .from(t)
      .where(and(...conditions))
      .orderBy(asc(column), desc(t.checkedInAt), desc(t.id))
      .prepare(`check_ins_overlapping_${shape}`) as OverlappingQuery;
    this.overlappingQueries.set(shape, query);
    return query;
  }

  /**
   * One scan. The venue is looked up by QR code; then, under a transaction-scoped advisory lock on
   * the id (so two copies of a scan retried without `at`, hence with different times, cannot both
   * be stored), a stored check-in with this id near in time makes it a duplicate or a conflict;
   * otherwise the row is inserted (ON CONFLICT (id, checked_in_at) DO NOTHING). The input has
   * passed validation.ts `checkInProblem`.
   */
  async checkIn(input: CheckInInput, now = new Date()): Promise<CheckInResult> {
    const at = input.at ?? now;

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
   * The input has passed validation.ts `checkOutProblem`.
   */
  async checkOut(input: CheckOutInput, now = new Date()): Promise<CheckOutResult> {
    const invalid = (field: string, message: string): CheckOutResult => ({ __typename: 'InvalidCheckOut', message, field });
    const id = input.id.toLowerCase();
    const at = input.at ?? now;

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
}
