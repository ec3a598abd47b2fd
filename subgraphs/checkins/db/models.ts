import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.ts';

/** The drizzle handle of the checkins database. */
export type CheckinsDb = PostgresJsDatabase<typeof schema>;

export type VenueRow = typeof schema.venues.$inferSelect;
export type NewVenueRow = typeof schema.venues.$inferInsert;
export type CheckInRow = typeof schema.checkIns.$inferSelect;
export type NewCheckInRow = typeof schema.checkIns.$inferInsert;
