import { sql } from 'drizzle-orm';
import { bigint, check, date, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true });

/**
 * The area a rollup row counts for: `province = '*'` is the nation; `ward = '*'` a whole province
 * (`''` when the producer did not know the province: counted nationwide only). Each event adds to
 * the nation, its province (here) and its ward (`ward_days`), so every report reads a handful of
 * rows whatever the size of the country.
 */
export const ALL = '*';

/**
 * Daily rollups (số liệu theo ngày): what the domain events added to each metric (`rollup.ts`
 * lists them) on each Viet Nam day for the nation and each province. Counters (cases, tests, doses) are the day's
 * count; levels (tasks by status, free beds) are the day's change, read as `totals` minus the
 * changes after a day. No personal data: counts only.
 */
export const dailyRollups = pgTable(
  'daily_rollups',
  {
    day: date('day', { mode: 'string' }).notNull(),
    province: varchar('province', { length: 2 }).notNull(),
    ward: varchar('ward', { length: 8 }).notNull(),
    metric: text('metric').notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'daily_rollups_pkey', columns: [t.province, t.ward, t.day, t.metric] }),
    index('daily_rollups_province_day_idx').on(t.province, t.day),
  ],
);

/** Each level metric's sum over all days for the nation and each province, kept with the rollups: a level on any recent day without reading history. */
export const rollupTotals = pgTable(
  'rollup_totals',
  {
    province: varchar('province', { length: 2 }).notNull(),
    ward: varchar('ward', { length: 8 }).notNull(),
    metric: text('metric').notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'rollup_totals_pkey', columns: [t.province, t.ward, t.metric] })],
);

/**
 * Each ward's days (số liệu theo xã/phường): a row per ward (`''`: the province's events of unknown
 * ward) and Viet Nam day on which its events changed something. `counts` holds the day's value of
 * each metric, as a `daily_rollups` row would (absent: 0); `running` each level's value at the end
 * of the day (the sum of its changes up to and including it), which the consumer keeps in step on
 * every later row when a late event changes an earlier day. A ward's figures on a day then read its
 * rows of the 14 days up to it and the latest row before them: a hundred wards cost one short index
 * range each, whatever the length of the history.
 */
export const wardDays = pgTable(
  'ward_days',
  {
    province: varchar('province', { length: 2 }).notNull(),
    ward: varchar('ward', { length: 8 }).notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    counts: jsonb('counts').$type<Record<string, number>>().notNull(),
    running: jsonb('running').$type<Record<string, number>>().notNull(),
  },
  (t) => [primaryKey({ name: 'ward_days_pkey', columns: [t.province, t.ward, t.day] })],
);

/** The events applied, by id: a replayed event finds its id here and changes nothing. */
export const processedEvents = pgTable('processed_events', {
  id: uuid('id').primaryKey(),
  type: text('type').notNull(),
  processedAt: at('processed_at').notNull().defaultNow(),
});

/**
 * When each case was confirmed (ids and times only): the clock for "hours from confirmation to a
 * contact's first call", whose task lives in another subgraph and may arrive first.
 */
export const caseConfirmations = pgTable('case_confirmations', {
  caseId: uuid('case_id').primaryKey(),
  confirmedAt: at('confirmed_at').notNull(),
});

/** First calls whose case's confirmation has not arrived yet; counted (and deleted) when it does. */
export const pendingFirstCalls = pgTable(
  'pending_first_calls',
  {
    taskId: uuid('task_id').primaryKey(),
    caseId: uuid('case_id').notNull(),
    province: varchar('province', { length: 2 }).notNull(),
    ward: varchar('ward', { length: 8 }).notNull(),
    calledAt: at('called_at').notNull(),
  },
  (t) => [index('pending_first_calls_case_id_idx').on(t.caseId)],
);

/** Each facility's latest reported free beds (the level `free_beds` changes by the difference). */
export const facilityBeds = pgTable(
  'facility_beds',
  {
    province: varchar('province', { length: 2 }).notNull(),
    facilityId: text('facility_id').notNull(),
    freeBeds: integer('free_beds').notNull(),
    occurredAt: at('occurred_at').notNull(),
  },
  (t) => [primaryKey({ name: 'facility_beds_pkey', columns: [t.province, t.facilityId] })],
);

/**
 * Serial intervals (khoảng nối tiếp) as data, with their source: Rt and the forecast use the one
 * in force (the latest `adopted_at`). An epidemiologist changes it by adding a row.
 */
export const serialIntervals = pgTable(
  'serial_intervals',
  {
    id: text('id').primaryKey(),
    meanDays: real('mean_days').notNull(),
    sdDays: real('sd_days').notNull(),
    source: text('source').notNull(),
    adoptedAt: at('adopted_at').notNull().defaultNow(),
  },
  (t) => [check('serial_intervals_moments_check', sql`${t.meanDays} > 1 and ${t.sdDays} > 0`)],
);
