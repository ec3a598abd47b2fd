import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';

/**
 * Tables of ONE province deployment. Each province has its own database, so rows carry no
 * province code: the deployment's code (SubgraphConfig.provinceCode) is the province of every row.
 */

export const TRACING_TASK_STATUSES = ['NEW', 'CONTACTED', 'ISOLATED', 'TESTED', 'CLOSED', 'WITHDRAWN'] as const;
export const TRACING_TASK_DEGREES = ['F1', 'F2'] as const;
export const ZONE_LEVELS = ['BLOCKADE', 'ISOLATION', 'WATCH'] as const;

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** One row: the province this database belongs to and what it publishes about itself. */
export const provinceProfile = pgTable('province_profile', {
  code: varchar('code', { length: 2 }).primaryKey(),
  hotline: text('hotline'),
});

/** Quarantine facilities (cơ sở cách ly tập trung). */
export const quarantineFacilities = pgTable(
  'quarantine_facilities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    wardCode: varchar('ward_code', { length: 5 }).notNull(),
    address: text('address').notNull(),
    capacity: integer('capacity').notNull(),
    occupied: integer('occupied').notNull().default(0),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('quarantine_facilities_occupied_check', sql`0 <= ${t.occupied} and ${t.occupied} <= ${t.capacity}`),
    index('quarantine_facilities_name_idx').on(t.name),
  ],
);

/** Testing sites (điểm xét nghiệm). */
export const testingSites = pgTable(
  'testing_sites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    wardCode: varchar('ward_code', { length: 5 }).notNull(),
    address: text('address').notNull(),
    openingHours: text('opening_hours').notNull(),
  },
  (t) => [index('testing_sites_name_idx').on(t.name)],
);

/** Contact-tracing teams (tổ truy vết). */
export const tracerTeams = pgTable('tracer_teams', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
});

/** Members of the tracing teams. */
export const tracers = pgTable(
  'tracers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => tracerTeams.id),
    fullName: text('full_name').notNull(),
    phone: text('phone').notNull(),
  },
  (t) => [index('tracers_team_id_idx').on(t.teamId)],
);

/** The wards each team covers; a new task in a ward goes to a tracer of a team covering it. */
export const tracerTeamWards = pgTable(
  'tracer_team_wards',
  {
    teamId: uuid('team_id')
      .notNull()
      .references(() => tracerTeams.id),
    wardCode: varchar('ward_code', { length: 5 }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'tracer_team_wards_pkey', columns: [t.teamId, t.wardCode] }),
    index('tracer_team_wards_ward_code_idx').on(t.wardCode),
  ],
);

/** Tracing tasks (nhiệm vụ truy vết): one per contact sent by the national tracing service. */
export const tracingTasks = pgTable(
  'tracing_tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Unique: the national tracing worker retries, and a retry must find the task it made before.
    contactId: uuid('contact_id').notNull(),
    caseId: uuid('case_id').notNull(),
    personId: uuid('person_id').notNull(),
    degree: text('degree', { enum: TRACING_TASK_DEGREES }).notNull(),
    wardCode: varchar('ward_code', { length: 5 }).notNull(),
    assignedTracerId: uuid('assigned_tracer_id').references(() => tracers.id),
    status: text('status', { enum: TRACING_TASK_STATUSES }).notNull().default('NEW'),
    dueAt: at('due_at').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tracing_tasks_contact_id_key').on(t.contactId),
    index('tracing_tasks_status_due_at_idx').on(t.status, t.dueAt),
    // Auto-assignment counts each tracer's open tasks.
    index('tracing_tasks_open_by_tracer_idx').on(t.assignedTracerId).where(sql`${t.status} <> 'CLOSED'`),
    check('tracing_tasks_status_check', sql`${t.status} in ('NEW', 'CONTACTED', 'ISOLATED', 'TESTED', 'CLOSED', 'WITHDRAWN')`),
    check('tracing_tasks_degree_check', sql`${t.degree} in ('F1', 'F2')`),
  ],
);

/**
 * Cases whose tasks the national tracing service withdrew (the case was rejected): their tasks
 * became WITHDRAWN, and a task for them that arrives later (a late retry) is made WITHDRAWN too.
 */
export const withdrawnCases = pgTable('withdrawn_cases', {
  caseId: uuid('case_id').primaryKey(),
  reason: text('reason').notNull(),
  withdrawnAt: at('withdrawn_at').notNull().defaultNow(),
});

/** Notes on tracing tasks, oldest first. */
export const tracingTaskNotes = pgTable(
  'tracing_task_notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tracingTasks.id),
    author: text('author').notNull(),
    text: text('text').notNull(),
    at: at('at').notNull().defaultNow(),
  },
  (t) => [index('tracing_task_notes_task_id_at_idx').on(t.taskId, t.at)],
);

/** Zones (vùng phong tỏa / khoanh vùng). */
export const zones = pgTable(
  'zones',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    level: text('level', { enum: ZONE_LEVELS }).notNull(),
    reason: text('reason').notNull(),
    startsAt: at('starts_at').notNull(),
    endsAt: at('ends_at'),
  },
  (t) => [
    index('zones_starts_at_idx').on(t.startsAt),
    check('zones_level_check', sql`${t.level} in ('BLOCKADE', 'ISOLATION', 'WATCH')`),
    check('zones_period_check', sql`${t.endsAt} is null or ${t.endsAt} > ${t.startsAt}`),
  ],
);

/** The wards a zone covers. */
export const zoneWards = pgTable(
  'zone_wards',
  {
    zoneId: uuid('zone_id')
      .notNull()
      .references(() => zones.id),
    wardCode: varchar('ward_code', { length: 5 }).notNull(),
  },
  (t) => [primaryKey({ name: 'zone_wards_pkey', columns: [t.zoneId, t.wardCode] })],
);

/**
 * Reads of tracing tasks (which name the person to call) and of tracers' names and work phones:
 * the `audit_records` table shared by every subgraph that audits reads of a person
 * (subgraphs/shared/audit-table.ts), here in the province's own database. See ../audit.ts for
 * what its `person_id` holds per field.
 */
export { auditRecords } from '../../shared/audit-table.ts';

/** Domain events for the analytics subgraph, written with each change and relayed to the queue (shared/outbox.ts). */
export { outboxEvents } from '../../shared/outbox-table.ts';
