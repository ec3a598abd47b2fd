import type { auditRecords, breakGlassGrants, healthDeclarations, people } from './schema.ts';

export type PersonRow = typeof people.$inferSelect;
export type NewPersonRow = typeof people.$inferInsert;
export type HealthDeclarationRow = typeof healthDeclarations.$inferSelect;
export type NewHealthDeclarationRow = typeof healthDeclarations.$inferInsert;
export type BreakGlassGrantRow = typeof breakGlassGrants.$inferSelect;
export type AuditRecordRow = typeof auditRecords.$inferSelect;
export type NewAuditRecordRow = typeof auditRecords.$inferInsert;
