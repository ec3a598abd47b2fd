import type { AuditRepository } from '../../shared/audit.ts';
import type { Identity } from '../../shared/identity.ts';
import type { CheckinsAccess } from '../access.ts';
import type { MovementAuditTrail } from '../audit.ts';
import type { CheckinsLoaders } from '../loaders.ts';
import type { CheckInBatchRepository, CheckInRepository, ExposureRepository, VenueRepository } from '../repositories/index.ts';

export interface CheckinsContext {
  identity: Identity;
  /** What the caller may read (access.ts): every check-in and exposure read passes its filter to SQL. */
  access: CheckinsAccess;
  venues: VenueRepository;
  checkIns: CheckInRepository;
  checkInBatches: CheckInBatchRepository;
  exposures: ExposureRepository;
  loaders: CheckinsLoaders;
  /** This request's audit records (audit.ts), written before the response leaves (shared/audit.ts); null when audit is off. */
  audit: MovementAuditTrail;
  /** The checkins database's audit trail (`movementAuditTrail`). */
  auditRecords: AuditRepository;
}
