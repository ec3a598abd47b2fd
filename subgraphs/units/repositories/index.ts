import type { UnitsDb } from '../db/models.ts';
import { UnitsRepository } from './units.ts';

export { UnitsRepository };
export type { LegacyWardDto } from './units.ts';

/** One repository per aggregate, over the units database. */
export function createRepositories(db: UnitsDb) {
  return {
    units: new UnitsRepository(db),
  };
}

export type UnitsRepositories = ReturnType<typeof createRepositories>;
