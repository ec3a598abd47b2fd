import type { Identity } from '../../shared/identity.ts';
import type { CheckinsLoaders } from '../loaders.ts';
import type { CheckInRepository, ExposureRepository, VenueRepository } from '../repository.ts';

export interface CheckinsContext {
  identity: Identity;
  venues: VenueRepository;
  checkIns: CheckInRepository;
  exposures: ExposureRepository;
  loaders: CheckinsLoaders;
}
