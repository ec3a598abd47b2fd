import type { Identity } from '../../shared/identity.ts';
import type { AuditTrail } from '../audit.ts';
import type { NationalIdHasher } from '../identifiers.ts';
import type { DeclarationsLoaders } from '../loaders.ts';
import type { PersonReader } from '../reader.ts';
import type { AuditRepository } from '../../shared/audit.ts';
import type { BreakGlassGrantsRepository, HealthDeclarationsRepository, PeopleRepository } from '../repositories/index.ts';

export interface DeclarationsContext {
  identity: Identity;
  /** Registration only: resolvers read people through `reader`, never through the repository or `loaders.person`. */
  people: PeopleRepository;
  declarations: HealthDeclarationsRepository;
  grants: BreakGlassGrantsRepository;
  auditRecords: AuditRepository;
  loaders: DeclarationsLoaders;
  /** Every read of a person: policy, masking and audit (reader.ts). */
  reader: PersonReader;
  /** This request's audit records, written before the response leaves (audit.ts) */
  audit: AuditTrail;
  /** Keyed hash of a normalised national ID number; the key itself stays in server.ts. */
  hashNationalId: NationalIdHasher;
  /** The clock, injectable so tests can pin "now". */
  now: () => Date;
  /** How long a break-the-glass grant lasts. */
  breakGlassTtlMs: number;
}
