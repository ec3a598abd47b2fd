import type { Identity } from '../../shared/identity.ts';
import type { UnitsLoaders } from '../loaders.ts';
import type { UnitsRepositories } from '../repositories/index.ts';

export interface UnitsContext {
  identity: Identity;
  repos: UnitsRepositories;
  loaders: UnitsLoaders;
}
