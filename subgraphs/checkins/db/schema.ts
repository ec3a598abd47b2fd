import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, primaryKey, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

/** Kinds of venue that display a QR code; the SDL enum `VenueCategory` has the same values. */
export const VENUE_CATEGORIES = ['MARKET', 'RESTAURANT', 'SHOP', 'SCHOOL', 'HOSPITAL', 'OFFICE', 'TRANSPORT', 'WORSHIP', 'OTHER'] as const;
export type VenueCategory = (typeof VENUE_CATEGORIES)[number];

/** Places with a QR code that people scan on arrival (điểm quét mã QR). */
export const venues = pgTable(
  'venues',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    category: text('category', { enum: VENUE_CATEGORIES }).notNull(),
    // Codes of the units subgraph; not foreign keys, because each subgraph owns its own database.
    wardCode: varchar('ward_code', { length: 5 }).notNull(),
    provinceCode: varchar('province_code', { length: 2 }).notNull(),
    qrCode: text('qr_code').notNull().unique('venues_qr_code_key'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('venues_category_check', sql`${t.category} in (${sql.raw(VENUE_CATEGORIES.map((c) => `'${c}'`).join(', '))})`),
  ],
);

/**
 * One QR check-in. The id is made by the scanning client, so a retried upload is recognised by it.
 *
 * The table is range-partitioned by `checked_in_at`, one partition per UTC day
 * (`check_ins_pYYYYMMDD`) plus `check_ins_default` for anything outside them, so retention drops
 * whole days and time-bounded queries touch only the days they need. drizzle-kit cannot express
 * partitioning: the custom migration `partition_check_ins_by_day` creates the table, and
 * subgraphs/checkins/partitions.ts creates and drops the daily partitions. A partitioned table's
 * primary key must contain the partition column, hence `(id, checked_in_at)`; the repository
 * still treats the same id near in time as the same check-in (see CheckInRepository).
 *
 * An open check-in (no checked_out_at) counts until the rule's maximum stay; the maintenance job
 * then stores check-in + maximum stay as its check-out with `closed_automatically` set, so the
 * API can still tell that no check-out was recorded.
 *
 * The exposure search's covering index `check_ins_venue_checked_in_idx (venue_id, checked_in_at)
 * INCLUDE (checked_out_at, person_id, id, closed_automatically)` is created by the custom
 * migrations: drizzle cannot express INCLUDE, so it is not declared here.
 */
export const checkIns = pgTable(
  'check_ins',
  {
    id: uuid('id').notNull(),
    personId: uuid('person_id').notNull(),
    venueId: uuid('venue_id')
      .notNull()
      .references(() => venues.id),
    checkedInAt: timestamp('checked_in_at', { withTimezone: true, mode: 'date' }).notNull(),
    checkedOutAt: timestamp('checked_out_at', { withTimezone: true, mode: 'date' }),
    /** True when checked_out_at was set by the maintenance job (maximum stay), not by a check-out. */
    closedAutomatically: boolean('closed_automatically').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'check_ins_pkey', columns: [t.id, t.checkedInAt] }),
    index('check_ins_person_checked_in_idx').on(t.personId, t.checkedInAt),
    check('check_ins_checked_out_after_in', sql`${t.checkedOutAt} is null or ${t.checkedOutAt} >= ${t.checkedInAt}`),
  ],
);

/**
 * The audit trail of reads of people's movements (check-ins, exposures): the `audit_records` table
 * shared by every subgraph that audits reads of a person (subgraphs/shared/audit-table.ts), here in
 * the checkins database. Written by subgraphs/checkins/audit.ts through the shared audit hooks.
 */
export { auditRecords } from '../../shared/audit-table.ts';
