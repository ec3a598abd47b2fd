import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.ts';

export type TracingDb = PostgresJsDatabase<typeof schema>;

export type ContactRuleRow = typeof schema.contactRules.$inferSelect;
export type NewContactRuleRow = typeof schema.contactRules.$inferInsert;
export type CaseRow = typeof schema.cases.$inferSelect;
export type NewCaseRow = typeof schema.cases.$inferInsert;
export type ContactRow = typeof schema.contacts.$inferSelect;
export type NewContactRow = typeof schema.contacts.$inferInsert;
export type TracingRunRow = typeof schema.tracingRuns.$inferSelect;
export type NewTracingRunRow = typeof schema.tracingRuns.$inferInsert;
export type AuditRecordRow = typeof schema.auditRecords.$inferSelect;
