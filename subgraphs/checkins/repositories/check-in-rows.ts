import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { CheckInRow } from '../db/models.ts';
import { maxStayMs, type ExposureRule } from '../rule.ts';
import type { RowFilter } from '../access.ts';
import { textArray } from '../../shared/sql.ts';
import type { CheckInDto } from './check-ins.ts';

/**
 * What the check-in repositories (check-ins.ts, check-in-batches.ts, exposures.ts) share: when two
 * check-ins with one id are the same, how long a visit lasts under the rule, which rows a caller
 * may see, and how a stored check-in is shown.
 */

/**
 * A stored check-in with the same id whose time is within this distance is the same check-in (a
 * retry, e.g. a scan re-sent without `at`, so stamped with another server time) or a reused id.
 * Further apart, the same id is another check-in: check_ins is keyed (id, checked_in_at).
 */
export const SAME_ID_WINDOW_MS = 6 * 3_600_000;

export const iso = (at: Date | null): string | null => (at ? at.toISOString() : null);

/**
 * The rule's maximum stay as an SQL interval literal. It is configuration, not caller input, and
 * validated as an integer; as a constant it lets the planner see the scan bound.
 */
export function maxStayInterval(rule: ExposureRule): SQL {
  if (!Number.isInteger(rule.maxStayMinutes)) throw new Error(`maxStayMinutes must be an integer, got ${rule.maxStayMinutes}`);
  return sql.raw(`interval '${rule.maxStayMinutes} minutes'`);
}

/**
 * When a visit is taken to have ended: its check-out, or check-in + maximum stay if there is none,
 * and never later than check-in + maximum stay (a forgotten check-out must not make a stay endless).
 */
export function effectiveOut(rule: ExposureRule, checkedInAt: SQL, checkedOutAt: SQL): SQL {
  const max = maxStayInterval(rule);
  return sql`least(coalesce(${checkedOutAt}, ${checkedInAt} + ${max}), ${checkedInAt} + ${max})`;
}

/**
 * A caller's row filter (access.ts) as an SQL predicate on a check-in's venue and person columns;
 * undefined when it admits every row. NONE has no predicate: callers answer [] without a query.
 * The venue's province is looked up in `venues` (a primary-key probe per venue), so the rows the
 * caller may not read are never read out of the database.
 */
export function visibleCheckIns(filter: Exclude<RowFilter, { kind: 'NONE' }>, venueId: SQLWrapper, personId: SQLWrapper): SQL | undefined {
  return visibleCheckInsOfKind(filter.kind, venueId, personId, {
    provinces: filter.kind === 'VENUE_PROVINCES' ? textArray(filter.provinces) : sql`null`,
    personId: filter.kind === 'PERSON' ? sql`${filter.personId}` : sql`null`,
  });
}

/**
 * The predicate of a filter's kind with its values given as SQL: parameters (visibleCheckIns), or
 * placeholders of a statement built once (`provinces` a text[] expression, `personId` a uuid's).
 */
export function visibleCheckInsOfKind(
  kind: Exclude<RowFilter['kind'], 'NONE'>,
  venueId: SQLWrapper,
  personId: SQLWrapper,
  values: { provinces: SQL; personId: SQL },
): SQL | undefined {
  switch (kind) {
    case 'ALL':
      return undefined;
    case 'VENUE_PROVINCES':
      return sql`${venueId} in (select v.id from venues v where v.province_code = any(${values.provinces}))`;
    case 'PERSON':
      return sql`${personId} = ${values.personId}::uuid`;
  }
}

type CheckInFields = Pick<CheckInRow, 'id' | 'personId' | 'venueId' | 'checkedInAt' | 'checkedOutAt' | 'closedAutomatically'>;

/**
 * A check-out written by the maintenance job (check-in + maximum stay) is not a recorded one: it
 * is shown as no check-out and closedAutomatically, exactly as before the job ran.
 */
export function toCheckInDto(row: CheckInFields, rule: ExposureRule, now: Date): CheckInDto {
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
