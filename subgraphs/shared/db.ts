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
  // A lost connection ends no process: postgres.js is patched at install (patches/postgres+3.4.9.patch,
  // README); tests/integration/postgres-connection-loss.test.ts fails without the patch.
  // Each statement counted and timed (hub_db_*), and a span when tracing is on.
  const sql = instrumentSql(preparing(postgres(url, { max, ...quiet, ...RECONNECT, connection: { jit: 'off' } })), new URL(url).pathname.slice(1));
  return { sql, db: drizzle(sql, { schema }), close: () => sql.end({ timeout: 5 }) };
}

/**
 * Statements with at most this many parameters are prepared (named, kept per connection). More
 * parameters mean a multi-row VALUES whose text changes with the row count: left unnamed, so a
 * connection keeps a bounded number of statements.
 */
export const MAX_PREPARED_PARAMETERS = 64;

/**
 * The client with drizzle's statements prepared. drizzle sends every query through `unsafe` with
 * `prepare: false` (for poolers that cannot keep named statements; the hub connects to PostgreSQL
 * directly), so each one was planned anew and took two round trips: its parameter types asked
 * first, its values sent once that answer was read. A prepared statement is described and planned
 * once per connection: PostgreSQL then spends its CPU executing (issue 17: the person card's
 * PostgreSQL CPU was several times what its statements need). Statements without parameters go
 * as simple queries (migrations' scripts among them), unless built once and named (`.prepare`).
 * Transactions' and reserved connections' clients alike.
 */
export function preparing<T extends postgres.Sql>(sql: T): T {
  type Fn = (...args: unknown[]) => unknown;
  const unsafe = sql.unsafe as Fn;
  const begin = sql.begin as Fn | undefined;
  const savepoint = (sql as unknown as { savepoint?: Fn }).savepoint;
  const reserve = sql.reserve as Fn | undefined;
  const inTransaction = (open: Fn) => (...args: unknown[]) => {
    const callback = args.pop() as (transaction: postgres.Sql) => unknown;
    return open(...args, (transaction: postgres.Sql) => callback(preparing(transaction)));
  };
  Object.assign(sql, {
    unsafe: (text: string, args?: unknown, options?: postgres.UnsafeQueryOptions) => {
      // A statement asked to be prepared (drizzle's `.prepare(name)`, built once) is, also without
      // parameters: postgres.js sends a parameterless one as a simple query, planned on every run.
      if (options?.prepare) return unsafe(text, args, Array.isArray(args) && args.length === 0 ? { ...options, simple: false } : options);
      if (!Array.isArray(args) || args.length === 0 || args.length > MAX_PREPARED_PARAMETERS) return unsafe(text, args, options);
      return unsafe(text, args, { ...options, prepare: true });
    },
    ...(begin ? { begin: inTransaction(begin) } : {}),
    ...(savepoint ? { savepoint: inTransaction(savepoint) } : {}),
    ...(reserve ? { reserve: async () => preparing((await reserve()) as postgres.Sql) } : {}),
  });
  return sql;
}

/**
 * While the server is down, a statement waits for its connection's next attempt and fails with
 * it, so a subgraph answers SERVICE_UNAVAILABLE at once rather than past the gateway's timeout.
 * postgres.js waits (0.5–1) × min(3^failures / 100, 20) s before each attempt, its failures
 * counted for the pool's life: after a restart's dozen failed attempts, statements queued 20 s.
 * Here the wait doubles from 50 ms to 1 s; a host that takes the connection and never answers
 * (off the network) fails it after 3 s instead of 30.
 */
export const RECONNECT = {
  connect_timeout: 3,
  backoff: (failures: number) => Math.min(0.05 * 2 ** failures, 1) * (0.5 + Math.random() / 2),
} as const;

/**
 * A transaction on a reserved connection of a pool, which stays safe when the connection is lost
 * (a PostgreSQL restart, pg_terminate_backend). postgres.js 3.4 does not guard a reserved
 * connection whose socket has closed: a statement sent on it is written into the null socket from
 * a setImmediate (src/connection.js nextWrite: an uncaught TypeError, the process ends), release()
 * puts it back among the open connections, where the next query does the same, and a statement
 * sent between a reset's error and the socket's close is never settled. So no statement is sent
 * once the loss is known, every answer is awaited against the loss, and release() leaves a lost
 * connection to the pool, which already counts it closed. The loss is learnt as postgres.js's own
 * begin() learns it: the query option `onexecute` hands over the connection BEGIN runs on, whose
 * `onclose` the pool calls when it closes (src/index.js; the test
 * tests/integration/checkins-connection-loss.test.ts fails should that change).
 */
export class ReservedTransaction {
  #lost: Error | null = null;
  #connection: PostgresConnection | null = null;
  readonly #closed: Promise<never>;
  readonly #onclose: (error: Error) => void;

  private constructor(readonly sql: postgres.ReservedSql) {
    let reject!: (error: Error) => void;
    this.#closed = new Promise<never>((_, r) => (reject = r));
    this.#closed.catch(() => {});
    this.#onclose = (error) => reject((this.#lost = error));
  }

  /** BEGIN on a reserved connection; null when postgres.js did not hand the connection over (nothing is then reserved). */
  static async begin(client: postgres.Sql): Promise<ReservedTransaction | null> {
    const transaction = new ReservedTransaction(await client.reserve());
    const onexecute = (connection: PostgresConnection) => {
      transaction.#connection = connection;
      connection.onclose = transaction.#onclose;
      return true; // carry on (false would mark the connection full)
    };
    try {
      await transaction.run(() => transaction.sql.unsafe('begin', [], { onexecute } as postgres.UnsafeQueryOptions));
    } catch (error) {
      await transaction.rollback(error);
      transaction.release();
      throw error;
    }
    if (transaction.#connection) return transaction;
    await transaction.sql`rollback`.catch(() => {});
    transaction.sql.release();
    return null;
  }

  /** The error the connection was lost with; null while it is open. */
  get lost(): Error | null {
    return this.#lost;
  }

  /** What `send` sends and awaits (a statement, a write), unless the connection is lost first: then the loss's error. */
  run<T>(send: () => PromiseLike<T>): Promise<T> {
    if (this.#lost) return Promise.reject(this.#lost);
    return Promise.race([send(), this.#closed]);
  }

  /**
   * Rolls back after `cause`, unless the connection is lost. A reset reports its error a turn of
   * the event loop before the socket closes: after an error the server did not send, the close
   * is awaited (briefly) rather than a ROLLBACK sent into the dying socket.
   */
  async rollback(cause: unknown): Promise<void> {
    const answered = cause instanceof postgres.PostgresError && cause.severity !== 'FATAL' && cause.severity !== 'PANIC';
    if (!answered) await Promise.race([this.#closed, new Promise((resolve) => setTimeout(resolve, 1000))]).catch(() => {});
    if (!this.#lost) await this.run(() => this.sql`rollback`).catch(() => {});
  }

  /** Gives the connection back to the pool; a lost one is the pool's already. */
  release(): void {
    if (this.#connection?.onclose === this.#onclose) this.#connection.onclose = null;
    if (!this.#lost) this.sql.release();
  }
}

/** What ReservedTransaction uses of postgres.js's connection object. */
interface PostgresConnection {
  onclose?: ((error: Error) => void) | null;
}

/** Creates, migrates and connects a subgraph's database in one step, as every service does at start. */
export async function openSubgraphDatabase<TSchema extends Record<string, unknown>>(
  serverUrl: string,
  database: string,
  subgraph: string,
  schema: TSchema,
  connections?: number,
): Promise<Database<TSchema>> {
  await ensureDatabase(serverUrl, database);
  const url = databaseUrl(serverUrl, database);
  await migrateDatabase(url, subgraph);
  return connect(url, schema, connections);
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
