import type { Identity } from '../../shared/identity.ts';
import type { CheckinsAccess } from '../access.ts';
import type { CheckinsLoaders } from '../loaders.ts';
import type { CheckInRepository, ExposureRepository, VenueRepository } from '../repository.ts';

export interface CheckinsContext {
  identity: Identity;
  /** What the caller may read (access.ts): every check-in and exposure read passes its filter to SQL. */
  access: CheckinsAccess;
  venues: VenueRepository;
  checkIns: CheckInRepository;
  exposures: ExposureRepository;
  loaders: CheckinsLoaders;
}
