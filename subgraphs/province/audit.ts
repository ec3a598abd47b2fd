import { AuditTrail } from '../shared/audit.ts';

/**
 * Audit of reads in a province deployment (the shared audit, subgraphs/shared/audit.ts, with this
 * subgraph's field list and the province's own `audit_records` table). The reader (reader.ts)
 * records one entry per person per request, whatever path reached the row:
 *
 * | field         | `person_id` is         | read when the answer holds                                                   |
 * |---------------|------------------------|------------------------------------------------------------------------------|
 * | `tracingTask` | the task's person      | a TracingTask: `tracingTask`, `Province.tracingTasks`, a `TracingTask`       |
 * |               |                        | reference (`_entities`), a task in a mutation's answer                       |
 * | `tracer`      | the tracer's id        | a Tracer (name and work phone): `TracerTeam.tracers`, `TracingTask.assignedTo`|
 *
 * A single read the policy refuses (FORBIDDEN: a task outside a tracer's wards, tasks or tracers
 * of a province outside the caller's jurisdiction) is a DENIED record where the row is known;
 * rows a list left out (filtered in SQL) were never read and leave no record. Nothing is masked
 * field by field, so `maskedFields` stays empty.
 */
export const PROVINCE_AUDIT_FIELDS = ['tracingTask', 'tracer'] as const;
export type ProvinceAuditField = (typeof PROVINCE_AUDIT_FIELDS)[number];

/** The records of one request, one per person (or tracer), with the fields in `PROVINCE_AUDIT_FIELDS` order. */
export class ProvinceAuditTrail extends AuditTrail<ProvinceAuditField> {
  constructor() {
    super(PROVINCE_AUDIT_FIELDS);
  }
}
