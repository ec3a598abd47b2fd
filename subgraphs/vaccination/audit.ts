import { AuditTrail } from '../shared/audit.ts';

/**
 * Audit of reads of doses and statuses (the shared audit, subgraphs/shared/audit.ts, with this
 * subgraph's field list and its own `audit_records` table). The reader (reader.ts) records one
 * entry per person per request, whatever path reached the row:
 *
 * | field               | read when the answer holds                                          |
 * |---------------------|---------------------------------------------------------------------|
 * | `dose`              | one dose by id: `dose`, a `Dose` reference (`_entities`)            |
 * | `vaccinations`      | `Person.vaccinations` (recorded even when none is visible)          |
 * | `vaccinationStatus` | `Person.vaccinationStatus`                                          |
 * | `vaccinationCertificate` | `vaccinationCertificate` (a refusal too)                       |
 * | `healthPass`        | `Person.healthPass`                                                 |
 *
 * A read the policy refuses is a DENIED record, as is a site's refused list. `recordVaccinations`
 * returns counts and `vaccinationCoverage` aggregates: neither is a read of a person.
 */
export const VACCINATION_FIELDS = ['dose', 'vaccinations', 'vaccinationStatus', 'vaccinationCertificate', 'healthPass'] as const;
export type VaccinationField = (typeof VACCINATION_FIELDS)[number];

export class VaccinationAuditTrail extends AuditTrail<VaccinationField> {
  constructor() {
    super(VACCINATION_FIELDS);
  }
}
