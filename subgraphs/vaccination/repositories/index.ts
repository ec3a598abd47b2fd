import type { VaccinationDb } from '../db/models.ts';
import { CoverageRepository } from './coverage.ts';
import { DoseRepository } from './doses.ts';
import { ProductRepository } from './products.ts';

export { CoverageRepository, DoseRepository, ProductRepository };
export type { RecordOutcome } from './doses.ts';
export type { CoverageCounts } from './coverage.ts';

export interface VaccinationRepositories {
  doses: DoseRepository;
  products: ProductRepository;
  coverage: CoverageRepository;
}

/** One repository per aggregate, over the vaccination database. */
export function createRepositories(db: VaccinationDb): VaccinationRepositories {
  return { doses: new DoseRepository(db), products: new ProductRepository(db), coverage: new CoverageRepository(db) };
}
