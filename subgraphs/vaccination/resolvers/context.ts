import type { AuditRepository } from '../../shared/audit.ts';
import type { Identity } from '../../shared/identity.ts';
import type { VaccinationAuditTrail } from '../audit.ts';
import type { VaccinationLoaders } from '../loaders.ts';
import type { VaccinationReader } from '../reader.ts';
import type { VaccinationRepositories } from '../repositories/index.ts';
import type { WardDirectory } from '../wards.ts';
import type { CertificateDesk } from '../certificates/desk.ts';
import type { HealthPass } from '../health-pass-reader.ts';

export interface VaccinationContext {
  identity: Identity;
  repos: VaccinationRepositories;
  loaders: VaccinationLoaders;
  /** Every read of doses and statuses: single reads decided by the policy, lists, and their audit (reader.ts). */
  reader: VaccinationReader;
  /** Residence codes resolved through the units subgraph (shared by the process: a cache). */
  wards: WardDirectory;
  /** This request's audit records, written before the response leaves (shared/audit.ts). */
  audit: VaccinationAuditTrail;
  /** The vaccination database's audit trail. */
  auditRecords: AuditRepository;
  /** Certificates: issued to the caller as the policy allows, revoked by officials (certificates/desk.ts). */
  certificates: CertificateDesk;
  /** `Person.healthPass` for the caller (health-pass-reader.ts). */
  healthPass(personId: string): Promise<HealthPass>;
}
