import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.ts';
import type {
  provinceProfile,
  quarantineFacilities,
  testingSites,
  tracerTeams,
  tracerTeamWards,
  tracers,
  tracingTaskNotes,
  tracingTasks,
  TRACING_TASK_DEGREES,
  TRACING_TASK_STATUSES,
  zones,
  zoneWards,
} from './schema.ts';

/** The drizzle handle of one province deployment's database. */
export type ProvinceDb = PostgresJsDatabase<typeof schema>;
/** A transaction on it (what `db.transaction` passes to its callback). */
export type ProvinceTx = Parameters<Parameters<ProvinceDb['transaction']>[0]>[0];

export type ProvinceProfileRow = typeof provinceProfile.$inferSelect;
export type NewProvinceProfile = typeof provinceProfile.$inferInsert;
export type QuarantineFacilityRow = typeof quarantineFacilities.$inferSelect;
export type NewQuarantineFacility = typeof quarantineFacilities.$inferInsert;
export type TestingSiteRow = typeof testingSites.$inferSelect;
export type NewTestingSite = typeof testingSites.$inferInsert;
export type TracerTeamRow = typeof tracerTeams.$inferSelect;
export type NewTracerTeam = typeof tracerTeams.$inferInsert;
export type TracerRow = typeof tracers.$inferSelect;
export type NewTracer = typeof tracers.$inferInsert;
export type TracerTeamWardRow = typeof tracerTeamWards.$inferSelect;
export type TracingTaskRow = typeof tracingTasks.$inferSelect;
export type NewTracingTask = typeof tracingTasks.$inferInsert;
export type TracingTaskNoteRow = typeof tracingTaskNotes.$inferSelect;
export type ZoneRow = typeof zones.$inferSelect;
export type NewZone = typeof zones.$inferInsert;
export type ZoneWardRow = typeof zoneWards.$inferSelect;

export type TracingTaskStatus = (typeof TRACING_TASK_STATUSES)[number];
export type TracingTaskDegree = (typeof TRACING_TASK_DEGREES)[number];
