import type { Identity } from '../../shared/identity.ts';
import type { NationalIdHasher } from '../identifiers.ts';
import type { DeclarationsLoaders } from '../loaders.ts';
import type { HealthDeclarationsRepository, PeopleRepository } from '../repository.ts';

export interface DeclarationsContext {
  identity: Identity;
  people: PeopleRepository;
  declarations: HealthDeclarationsRepository;
  loaders: DeclarationsLoaders;
  /** Keyed hash of a normalised national ID number; the key itself stays in server.ts. */
  hashNationalId: NationalIdHasher;
  /** The clock, injectable so tests can pin "now". */
  now: () => Date;
}

