import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.ts';

export type VaccinationDb = PostgresJsDatabase<typeof schema>;

export type VaccineProductRow = typeof schema.vaccineProducts.$inferSelect;
export type AgeGroupRow = typeof schema.ageGroups.$inferSelect;
export type DoseRow = typeof schema.doses.$inferSelect;
export type AdverseEventRow = typeof schema.adverseEvents.$inferSelect;
export type PersonStatusRow = typeof schema.personStatus.$inferSelect;
export type CertificateRow = typeof schema.certificates.$inferSelect;
export type HealthPassRuleRow = typeof schema.healthPassRules.$inferSelect;
