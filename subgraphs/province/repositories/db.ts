import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as schema from '../db/schema.ts';

/** The drizzle handle of one province deployment's database. */
export type ProvinceDb = PostgresJsDatabase<typeof schema>;
/** A transaction on it (what `db.transaction` passes to its callback). */
export type ProvinceTx = Parameters<Parameters<ProvinceDb['transaction']>[0]>[0];
