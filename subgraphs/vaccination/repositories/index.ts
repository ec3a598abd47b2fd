import type { VaccinationDb } from '../db/models.ts';
import { CertificateRepository } from './certificates.ts';
import { CoverageRepository } from './coverage.ts';
import { DoseRepository } from './doses.ts';
import { HealthPassRuleRepository } from './health-pass-rules.ts';
import { ProductRepository } from './products.ts';

export { CertificateRepository, CoverageRepository, DoseRepository, HealthPassRuleRepository, ProductRepository };
export type { RecordOutcome } from './doses.ts';
export type { CoverageCounts } from './coverage.ts';

export interface VaccinationRepositories {
  doses: DoseRepository;
  products: ProductRepository;
  coverage: CoverageRepository;
  certificates: CertificateRepository;
  healthPassRules: HealthPassRuleRepository;
}

/** One repository per aggregate, over the vaccination database. */
export function createRepositories(db: VaccinationDb): VaccinationRepositories {
  return { doses: new DoseRepository(db), products: new ProductRepository(db), coverage: new CoverageRepository(db), certificates: new CertificateRepository(db), healthPassRules: new HealthPassRuleRepository(db) };
}
