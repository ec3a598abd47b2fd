import { AGE_GROUPS } from '../shared/age-groups.ts';
import { DEMO_WARDS } from './directory.ts';
import type { UnitsDb } from './db/models.ts';
import { UnitsRepository } from './repositories/index.ts';

/**
 * Illustrative age structure of a demo ward (shares of its people per age group, summing to 1):
 * made up for the demo so coverage has a denominator out of the box. Not official figures: a
 * deployment loads the census's with `npm run units:import -- --population FILE`.
 */
const DEMO_SHARES: Record<(typeof AGE_GROUPS)[number]['code'], number> = { '0-11': 0.17, '12-17': 0.08, '18-49': 0.5, '50-64': 0.16, '65+': 0.09 };

/** The demo wards' illustrative population: 20,000 to 38,000 people each, split by DEMO_SHARES. Idempotent. */
export async function seedUnitsDemo(db: UnitsDb): Promise<void> {
  const rows = DEMO_WARDS.flatMap((ward, i) => {
    const total = 20_000 + 2_000 * i;
    return AGE_GROUPS.map((g) => ({ wardCode: ward.code, ageGroup: g.code, population: Math.round(total * DEMO_SHARES[g.code]), referenceYear: 2024 }));
  });
  await new UnitsRepository(db).setPopulation(rows);
}
