import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { fileURLToPath } from 'node:url';
import { instrumentSql } from './telemetry.ts';

/** The same server, another database: one database per subgraph and per province deployment. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const quiet = { onnotice: () => {} };

/** Creates the database if it is missing. Safe when several processes race to create it. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z][a-z0-9_]*$/.test(database)) throw new Error(`Unsafe database name: ${database}`);
  const sql = postgres(databaseUrl(serverUrl, 'postgres'), { max: 1, ...quiet });
  try {
    const [row] = await sql`select 1 as present from pg_database where datname = ${database}`;
    if (row) return;
    await sql.unsafe(`create database "${database}"`).catch((error: { code?: string }) => {
      // 42P04 duplicate_database, 23505 a concurrent create won the race on pg_database's index.
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    });
  } finally {
    await sql.end();
  }
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const sql = postgres(databaseUrl(serverUrl, 'postgres'), { max: 1, ...quiet });
  try {
    await sql.unsafe(`drop database if exists "${database}" with (force)`);
  } finally {
    await sql.end();
  }
}

export function migrationsFolder(subgraph: string): string {
  return fileURLToPath(new URL(`../../migrations/${subgraph}`, import.meta.url));
}

/** Applies drizzle-kit's migrations on a single connection (the migrator takes a lock per run). */
export async function migrateDatabase(url: string, subgraph: string): Promise<void> {
  const sql = postgres(url, { max: 1, ...quiet });
  try {
    await migrate(drizzle(sql), { migrationsFolder: migrationsFolder(subgraph) });
  } finally {
    await sql.end();
  }
}

export interface Database<TSchema extends Record<string, unknown>> {
  sql: postgres.Sql;
  db: PostgresJsDatabase<TSchema>;
  close(): Promise<void>;
}

/**
 * A subgraph's pool. PostgreSQL's JIT is off on its connections: the hub's statements are look-ups
 * and index probes whose cost estimates grow with the batch (a crowd's exposure search, a
 * partner batch's 5,000 probes) past the JIT threshold, and compiling then took longer than the
 * statement (measured: 450 ms of a 1.9 s F2 search at 10M check-ins, about 20 ms per batch).
 */
export function connect<TSchema extends Record<string, unknown>>(url: string, schema: TSchema, max = 10): Database<TSchema> {
  // Each statement counted and timed (hub_db_*), and a span when tracing is on.
  const sql = instrumentSql(postgres(url, { max, ...quiet, connection: { jit: 'off' } }), new URL(url).pathname.slice(1));
  return { sql, db: drizzle(sql, { schema }), close: () => sql.end({ timeout: 5 }) };
}

/** Creates, migrates and connects a subgraph's database in one step, as every service does at start. */
export async function openSubgraphDatabase<TSchema extends Record<string, unknown>>(
  serverUrl: string,
  database: string,
  subgraph: string,
  schema: TSchema,
): Promise<Database<TSchema>> {
  await ensureDatabase(serverUrl, database);
  const url = databaseUrl(serverUrl, database);
  await migrateDatabase(url, subgraph);
  return connect(url, schema);
}

/** Database names: `<prefix>_<subgraph>`, and `<prefix>_province_<code>` for a province deployment. */
export function databaseName(prefix: string, subgraph: string, provinceCode?: string): string {
  return provinceCode ? `${prefix}_${subgraph}_${provinceCode}` : `${prefix}_${subgraph}`;
}

/**
 * The postgres.js client under a drizzle handle (drizzle() puts it on `$client`; the database type
 * does not declare it). For statements that must be prepared: drizzle runs every query unnamed,
 * so postgres.js first asks the server for the parameter types and sends the values only when the
 * answer has been read, which a busy event loop delays.
 */
export function postgresClientOf(db: object): postgres.Sql {
  const client = (db as { $client?: postgres.Sql }).$client;
  if (!client) throw new Error('not a drizzle postgres-js database handle');
  return client;
}
