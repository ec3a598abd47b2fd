import type { GraphQLResolveInfo } from 'graphql';
import { AuditTrail } from '../shared/audit.ts';
import { isOnlyRootField, selectsAnywhereBelow } from '../shared/selection.ts';
import type { CheckInDto, ExposureDto } from './repositories/index.ts';

/**
 * Audit of reads of people's movements in the checkins subgraph (the shared audit,
 * subgraphs/shared/audit.ts, with this subgraph's field list and its own `audit_records` table).
 * The resolvers record one entry per person per request (merged, whatever path reached the rows),
 * for every person whose check-in a read returned:
 *
 * | field       | read when the answer holds                                                                  |
 * |-------------|---------------------------------------------------------------------------------------------|
 * | `checkIns`  | a check-in of the person: `Person.checkIns` (the person asked about, when rows came back),  |
 * |             | `Venue.checkIns` (each person in the returned rows)                                         |
 * | `exposures` | an exposure naming the person, as the person asked about or as the contact (both people's   |
 * |             | check-ins are in it): `Person.exposures`, `exposuresOf`, `firstContactsOf`                  |
 *
 * Every read here is a list filtered in SQL by the caller's jurisdiction (access.ts): rows the
 * filter left out were never read and leave no record, and an empty answer records nobody. There
 * is no single read of a check-in to refuse, so a record is always ALLOWED (never DENIED or
 * MASKED) and `maskedFields` stays empty. The `service` role (the tracing worker) is audited like
 * anyone. Mutation answers (the check-in a partner has just written) are not reads and are not
 * recorded; a read nested in one (e.g. `checkIn { checkIn { venue { checkIns } } }`) is.
 * Recording is in memory: the shared audit hooks write the request's records in one INSERT before the
 * response leaves, so it adds no SQL per person and the loaders' batching is unchanged.
 */
export const MOVEMENT_FIELDS = ['checkIns', 'exposures'] as const;
export type MovementField = (typeof MOVEMENT_FIELDS)[number];

/** The records of one request, one per person, with the fields in `MOVEMENT_FIELDS` order. */
export class MovementAuditTrail extends AuditTrail<MovementField> {
  constructor() {
    super(MOVEMENT_FIELDS);
  }

  /** Check-ins returned (`Person.checkIns`, `Venue.checkIns`): a read of each one's person. */
  checkInsRead<T extends readonly CheckInDto[]>(rows: T): T {
    for (const row of rows) this.record(row.personId, 'ALLOWED', ['checkIns']);
    return rows;
  }

  /** Exposures returned: a read of both people of each (the person asked about and the contact). */
  exposuresRead<T extends readonly ExposureDto[]>(rows: T): T {
    for (const row of rows) {
      this.record(row.personId, 'ALLOWED', ['exposures']);
      this.record(row.contactPersonId, 'ALLOWED', ['exposures']);
    }
    return rows;
  }
}

/** The fields whose resolvers record reads (see the table above). */
const AUDITED_READS = ['checkIns', 'exposures', 'exposuresOf', 'firstContactsOf'];
const readsMoreBelow = selectsAnywhereBelow(AUDITED_READS);

/**
 * Whether a root field's records are all its request will make: it is the operation's only root
 * field and nothing below it records reads. Then they can be written while the answer is built
 * (`AuditTrail.complete`); tracing's look-ups of a crowd are such operations.
 */
export function isOnlyAuditedRead(info: GraphQLResolveInfo): boolean {
  return isOnlyRootField(info) && !readsMoreBelow(info);
}
