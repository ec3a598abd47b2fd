import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.ts';

export type AnalyticsDb = PostgresJsDatabase<typeof schema>;
/** A transaction on it (what `db.transaction` passes to its callback). */
export type AnalyticsTx = Parameters<Parameters<AnalyticsDb['transaction']>[0]>[0];

export type DailyRollupRow = typeof schema.dailyRollups.$inferSelect;
export type SerialIntervalRow = typeof schema.serialIntervals.$inferSelect;
