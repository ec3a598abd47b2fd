import { bigint, date, jsonb, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

/**
 * The transactional outbox (`outbox_events`), one definition for every subgraph that publishes
 * domain events (subgraphs/shared/events.ts). Each producer's `db/schema.ts` re-exports it, so
 * drizzle-kit generates it into that subgraph's own migrations. Only drizzle imports here:
 * drizzle-kit loads this file when it reads a schema. A row lives until the relay has put it on
 * the queue (then it is deleted), so the table stays small.
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    /** Write order: the relay sends in this order. */
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: uuid('id').notNull().unique('outbox_events_id_key'),
    type: text('type').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    /** The Viet Nam day the event counts in. */
    day: date('day', { mode: 'string' }).notNull(),
    province: varchar('province', { length: 2 }),
    ward: text('ward'),
    payload: jsonb('payload').notNull(),
  },
);
