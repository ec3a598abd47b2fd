import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.ts';

export type TestingDb = PostgresJsDatabase<typeof schema>;

export type TestResultRow = typeof schema.testResults.$inferSelect;
export type TestResultRevisionRow = typeof schema.testResultRevisions.$inferSelect;
export type ConfirmationRuleRow = typeof schema.confirmationRules.$inferSelect;
export type TestScheduleRow = typeof schema.testSchedules.$inferSelect;
