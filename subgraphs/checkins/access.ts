import type { Identity } from '../shared/identity.ts';
import { isUuid } from '../shared/validate.ts';

/**
 * Which check-ins and exposures a caller may read: the one place the checkins subgraph decides it.
 * Pure (no I/O): `decide` turns the caller into two row filters, which the repositories put into
 * their SQL (repositories/check-in-rows.ts, `visibleCheckIns`), so rows outside them never leave the database.
 * The province of a check-in is its venue's province (`venues.province_code`); an exposure is
 * two check-ins at one venue, so it has that venue's province too.
 *
 * | caller            | check-ins (`Person.checkIns`, `Venue.checkIns`) | exposures (`Person.exposures`, `exposuresOf`) |
 * |-------------------|-------------------------------------------------|-----------------------------------------------|
 * | national_official | all                                             | all                                           |
 * | service           | all                                             | all                                           |
 * | province_official | at venues in a province of their jurisdiction   | at venues in a province of their jurisdiction |
 * | tracer            | at venues in a province of their jurisdiction   | at venues in a province of their jurisdiction |
 * | citizen           | their own (person id = token subject)           | none (they show other people's presence)      |
 * | partner           | none                                            | none                                          |
 *
 * Every read here is a list, so what the filter leaves out is left out silently: a venue outside
 * the caller's jurisdiction answers an empty `checkIns`. Partners write check-ins; the mutation
 * results that return the row just written are not reads and are not filtered. Venues themselves
 * (`venue`, `venueByQr`, `Venue` references) are public directory data, gated by `venues:read` only;
 * a `Person` reference is only an id here (the declarations subgraph decides who may read people).
 *
 * Every check-in and exposure returned is audited (audit.ts: one record per person per request,
 * always ALLOWED, since nothing here is refused row by row). `movementAuditTrail` (who read a
 * person's movements) is for national officials, and province officials for whom at least one of
 * the person's check-ins is visible by the rules above, holding the scope `audit:read`
 * (`mayReadMovementAuditTrail`).
 */

/** The rows a caller may read, as the repositories turn it into an SQL predicate. */
export type RowFilter =
  | { kind: 'ALL' }
  /** Only rows at venues whose province is one of these (never empty: an empty list is NONE). */
  | { kind: 'VENUE_PROVINCES'; provinces: readonly string[] }
  /** Only the rows of this person (a lower-case UUID). */
  | { kind: 'PERSON'; personId: string }
  | { kind: 'NONE' };

export interface CheckinsAccess {
  checkIns: RowFilter;
  exposures: RowFilter;
}

export const EVERY_ROW: RowFilter = { kind: 'ALL' };
const NO_ROW: RowFilter = { kind: 'NONE' };

function provincesOf(identity: Identity): RowFilter {
  if (identity.jurisdiction === 'all') return EVERY_ROW;
  return identity.jurisdiction.length > 0 ? { kind: 'VENUE_PROVINCES', provinces: [...identity.jurisdiction] } : NO_ROW;
}

export function decide(identity: Identity): CheckinsAccess {
  switch (identity.role) {
    case 'national_official':
    case 'service':
      return { checkIns: EVERY_ROW, exposures: EVERY_ROW };
    case 'province_official':
    case 'tracer': {
      const filter = provincesOf(identity);
      return { checkIns: filter, exposures: filter };
    }
    case 'citizen':
      // A subject that is no person id names no check-ins (and must not reach a uuid cast).
      return { checkIns: isUuid(identity.subject) ? { kind: 'PERSON', personId: identity.subject.toLowerCase() } : NO_ROW, exposures: NO_ROW };
    case 'partner':
      return { checkIns: NO_ROW, exposures: NO_ROW };
  }
}

/** What a check-in needs to be judged by a filter. */
export interface CheckInFacts {
  personId: string;
  venueProvinceCode: string;
}

/**
 * The meaning of a filter for one row: what the repositories' SQL predicate selects. The policy's
 * unit tests read the table through it.
 */
export function admits(filter: RowFilter, row: CheckInFacts): boolean {
  switch (filter.kind) {
    case 'ALL':
      return true;
    case 'VENUE_PROVINCES':
      return filter.provinces.includes(row.venueProvinceCode);
    case 'PERSON':
      return filter.personId === row.personId.toLowerCase();
    case 'NONE':
      return false;
  }
}

/** The scope an official needs to read a person's audit trail (here: of reads of their check-ins and exposures). */
export const AUDIT_READ_SCOPE = 'audit:read';

/**
 * `movementAuditTrail`: national officials, and province officials who may see at least one of the
 * person's check-ins (`personVisible`: one check-in at a venue of their jurisdiction, by the
 * caller's `checkIns` filter), holding `audit:read`. Tracers, citizens, partners and services: never.
 */
export function mayReadMovementAuditTrail(identity: Identity, personVisible: boolean): boolean {
  if (!identity.scopes.includes(AUDIT_READ_SCOPE)) return false;
  if (identity.role === 'national_official') return true;
  return identity.role === 'province_official' && personVisible;
}
