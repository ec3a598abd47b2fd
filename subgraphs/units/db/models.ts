import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.ts';

/** The drizzle handle of the units database. */
export type UnitsDb = PostgresJsDatabase<typeof schema>;

export type ProvinceRow = typeof schema.provinces.$inferSelect;
export type WardRow = typeof schema.wards.$inferSelect;
export type LegacyUnitRow = typeof schema.legacyUnits.$inferSelect;
export type WardPopulationRow = typeof schema.wardPopulation.$inferSelect;
