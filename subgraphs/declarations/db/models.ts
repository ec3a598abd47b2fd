import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.ts';

/** The drizzle handle of the declarations database. */
export type DeclarationsDb = PostgresJsDatabase<typeof schema>;

export type PersonRow = typeof schema.people.$inferSelect;
export type NewPersonRow = typeof schema.people.$inferInsert;
export type HealthDeclarationRow = typeof schema.healthDeclarations.$inferSelect;
export type NewHealthDeclarationRow = typeof schema.healthDeclarations.$inferInsert;
export type BreakGlassGrantRow = typeof schema.breakGlassGrants.$inferSelect;
export type AuditRecordRow = typeof schema.auditRecords.$inferSelect;
export type NewAuditRecordRow = typeof schema.auditRecords.$inferInsert;
