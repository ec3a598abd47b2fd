import type { legacyUnits, provinces, wards } from './schema.ts';

export type ProvinceRow = typeof provinces.$inferSelect;
export type WardRow = typeof wards.$inferSelect;
export type LegacyUnitRow = typeof legacyUnits.$inferSelect;
