import { sql, type SQL } from 'drizzle-orm';
import type { CheckinsDb } from '../db/models.ts';
import { maxStayMs, validateExposureRule, type ExposureRule } from '../rule.ts';
import { EVERY_ROW, type RowFilter } from '../access.ts';
import { candidateRanges, earliestContacts, type SubjectVisit } from '../first-contacts.ts';
import { StatementsByShape, toDate, toDateOrNull, uuidArray } from '../../shared/sql.ts';
import type { CheckInDto, TimeWindow } from './check-ins.ts';
import { effectiveOut, iso, maxStayInterval, toCheckInDto, visibleCheckIns, visibleCheckInsOfKind } from './check-in-rows.ts';

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

export interface ExposureQuery extends TimeWindow {
  minOverlapMinutes: number;
  /** People not to report as contacts (contact tracing already knows them: the case and its F1s). */
  excludeContacts?: readonly string[];
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

/**
 * An exposure of firstContactsOf, its two check-ins made when first read: a crowd's F2 asked as
 * columns (the tracing worker) reads neither, and made at once they were 34,000 objects and 68,000
 * dates per call, most of the collector's work.
 */
class FirstContactExposure implements ExposureDto {
  readonly personId: string;
  readonly contactPersonId: string;
  readonly venueId: string;
  readonly overlapStart: Date;
  readonly overlapEnd: Date;
  readonly overlapMinutes: number;
  private subjectCheckIn: CheckInDto | undefined;
  private otherCheckIn: CheckInDto | undefined;

  constructor(
    private readonly subjectRow: VisitSqlRow,
    private readonly contactRow: VisitSqlRow,
    startMs: number,
    endMs: number,
    private readonly checkInDto: (row: VisitSqlRow) => CheckInDto,
  ) {
    this.personId = subjectRow.person_id;
    this.contactPersonId = contactRow.person_id;
    this.venueId = subjectRow.venue_id;
    this.overlapStart = new Date(startMs);
    this.overlapEnd = new Date(endMs);
    this.overlapMinutes = Math.floor((endMs - startMs) / 60_000);
  }

  get checkIn(): CheckInDto {
    return (this.subjectCheckIn ??= this.checkInDto(this.subjectRow));
  }

  get contactCheckIn(): CheckInDto {
    return (this.otherCheckIn ??= this.checkInDto(this.contactRow));
  }
}

/** Close contacts at venues (tiếp xúc gần), found from overlapping check-ins under one exposure rule. */
export class ExposureRepository {
  readonly rule: ExposureRule;
  /** The exposure statement by shape (exposures()). */
  private readonly exposureStatements: StatementsByShape<ExposureSqlRow>;

  constructor(private readonly db: CheckinsDb, rule: ExposureRule) {
    this.rule = validateExposureRule(rule);
    this.exposureStatements = new StatementsByShape(db);
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
    const checkInDto = (row: VisitSqlRow) => this.checkInDto(row, now);
    return contacts.map((c) => new FirstContactExposure(c.subject.row, c.contact.row, c.startMs, c.endMs, checkInDto));
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
   * in the same province. Its text is built once per shape (the filter's kind, whether contacts
   * are excluded) with placeholders: drizzle built it on every call (measured: most of the client
   * CPU of one person's exposures).
   */
  private async exposures(personIds: readonly string[], query: ExposureQuery, visible: Exclude<RowFilter, { kind: 'NONE' }>, now: Date): Promise<ExposureDto[]> {
    const excluding = Boolean(query.excludeContacts?.length);
    const shape = `${visible.kind}${excluding ? '_excluding' : ''}`;
    const rows = await this.exposureStatements.run(shape, () => this.exposureSql(visible.kind, excluding), {
      people: [...personIds],
      from: iso(query.from),
      to: iso(query.to),
      minOverlap: query.minOverlapMinutes,
      provinces: visible.kind === 'VENUE_PROVINCES' ? [...visible.provinces] : null,
      person: visible.kind === 'PERSON' ? visible.personId : null,
      excluded: excluding ? [...query.excludeContacts!] : null,
    });
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

  private exposureSql(kind: Exclude<RowFilter['kind'], 'NONE'>, excluding: boolean): SQL {
    const from = sql`coalesce(${sql.placeholder('from')}::timestamptz, '-infinity'::timestamptz)`;
    const allowed = visibleCheckInsOfKind(kind, sql`c.venue_id`, sql`c.person_id`, { provinces: sql`${sql.placeholder('provinces')}::text[]`, personId: sql`${sql.placeholder('person')}` });
    const max = maxStayInterval(this.rule);
    const to = sql`coalesce(${sql.placeholder('to')}::timestamptz, 'infinity'::timestamptz)`;
    // An anti-join on the pairs that qualify, which PostgreSQL hashes: as a `<> all(…)` filter on
    // every candidate visit it was compared with each excluded id (F2 of a crowd: 5x slower).
    const excluded = excluding
      ? sql` and not exists (select 1 from unnest(${sql.placeholder('excluded')}::uuid[]) x(id) where x.id = p.contact_person_id)`
      : sql``;
    const matching = sql`
      -- Materialised: the asked-about visits are few and found first. Inlined, the planner could
      -- misjudge a crowd's (F2 of a busy market at 10M check-ins) and scan every visit in the
      -- window to probe back into them: 19 s instead of 2 s, measured.
      with mine as materialized (
        select c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at, c.closed_automatically,
               ${effectiveOut(this.rule, sql`c.checked_in_at`, sql`c.checked_out_at`)} as effective_out
        from check_ins c
        where c.person_id = any(${sql.placeholder('people')}::uuid[])
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
        and p.overlap_end - p.overlap_start >= ${sql.placeholder('minOverlap')}::int * interval '1 minute'`;
    return sql`${matching} order by p.person_id, p.overlap_start, p.contact_check_in_id`;
  }
}
