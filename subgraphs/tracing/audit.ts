import { AuditTrail } from '../shared/audit.ts';

/**
 * Audit of reads of health status in the tracing subgraph (the shared audit, subgraphs/shared/audit.ts,
 * with this subgraph's field list and its own `audit_records` table). The reader (reader.ts) records
 * one entry per person per request, whatever path reached the row:
 *
 * | field           | read when the answer holds                                                          |
 * |-----------------|-------------------------------------------------------------------------------------|
 * | `case`          | a Case (the person is a confirmed F0): `case`, `cases`, `Contact.case`,             |
 * |                 | `TracingRun.case`, a `Case` reference (`_entities`), `confirmCase`'s answer         |
 * | `contact`       | a Contact (the person is F1/F2): `contact`, `Case.contacts`, a `Contact` reference  |
 * | `cases`         | `Person.cases`: the person's cases (recorded even when none is visible)             |
 * | `contactStatus` | `Person.contactStatus` (recorded whatever the status, NONE included)               |
 *
 * A single read the policy refuses (FORBIDDEN) is a DENIED record; rows a list left out (not
 * visible to the caller) were never read and leave no record. Nothing is ever masked here, so a
 * record is ALLOWED or DENIED and `maskedFields` stays empty. The person of a record is the row's
 * person (`cases.person_id`, `contacts.person_id`); `Contact.via` (the F1 an F2 was exposed
 * through) is part of the F2's contact record and is not recorded for the F1.
 */
export const HEALTH_STATUS_FIELDS = ['case', 'contact', 'cases', 'contactStatus'] as const;
export type HealthStatusField = (typeof HEALTH_STATUS_FIELDS)[number];

/** The records of one request, one per person, with the fields in `HEALTH_STATUS_FIELDS` order. */
export class HealthAuditTrail extends AuditTrail<HealthStatusField> {
  constructor() {
    super(HEALTH_STATUS_FIELDS);
  }
}
