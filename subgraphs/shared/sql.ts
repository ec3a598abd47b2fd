import { fillPlaceholders, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { postgresClientOf } from './db.ts';

/** The SQLSTATE of a failed query (drizzle wraps postgres.js's error in its own, as `cause`). */
export function sqlState(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.cause?.code === 'string' ? e.cause.code : '';
}

/** Raw `db.execute` rows carry timestamps as PostgreSQL text (drizzle turns off postgres.js date parsing). */
export const toDate = (value: string | Date): Date => (value instanceof Date ? value : new Date(value));
export const toDateOrNull = (value: string | Date | null): Date | null => (value === null ? null : toDate(value));

/**
 * Keys as ONE array parameter. drizzle's `inArray` binds one parameter per key, and building a
 * statement with thousands of them cost more CPU than PostgreSQL spent running it (profiled: the
 * tracing worker reading a crowd's people, contacts and tasks). One parameter also keeps the
 * statement text the same whatever the number of keys.
 */
export const uuidArray = (ids: readonly string[]): SQL => sql`${sql.param([...ids])}::uuid[]`;
export const textArray = (values: readonly string[]): SQL => sql`${sql.param([...values])}::text[]`;

/**
 * An array parameter as PostgreSQL's array text, joined once; the statement casts it
 * (`${joinedArray(ids)}::uuid[]`). Only for values that need no quoting (validated UUIDs, ISO
 * instants): it skips postgres.js's per-element escaping, a few ms per partner batch of 5,000.
 */
export const joinedArray = (values: readonly string[]): SQL => sql`${sql.param(`{${values.join(',')}}`)}`;

/*
 * A batch of ONE key is matched with `column = $1`, more with `column = any($1)`. PostgreSQL never
 * settles on a generic plan for `= any($1)` (its estimate for an array of unknown length keeps
 * favouring a custom one), so the array form was planned anew on every execution, prepared or not;
 * `= $1` is planned once per connection (a generic plan from the sixth execution). A national
 * app's reads are mostly batches of one (one person, their ward): measured on one connection,
 * PostgreSQL CPU per look-up 0.21 -> 0.04 ms on the daily-partitioned check_ins, 0.03-0.04 ->
 * 0.015 ms on people and health_declarations (issue 17).
 */

/** `column = $1::uuid` for one id, `column = any($1::uuid[])` for more: the batched look-up by id. */
export const anyUuid = (column: SQLWrapper, ids: readonly string[]): SQL =>
  ids.length === 1 ? sql`${column} = ${ids[0]}::uuid` : sql`${column} = any(${uuidArray(ids)})`;
/** `column = $1::text` for one value, `column = any($1::text[])` for more: the batched look-up by code or name. */
export const anyText = (column: SQLWrapper, values: readonly string[]): SQL =>
  values.length === 1 ? sql`${column} = ${values[0]}::text` : sql`${column} = any(${textArray(values)})`;

/**
 * A drizzle query built once, on first use, and run with placeholders (`.prepare(name)`, then
 * `.execute({ … })`): drizzle otherwise builds a query's SQL text on every call, which profiling
 * put at a seventh of the declarations subgraph's CPU on a person card (issue 17). For the hot
 * batched look-ups; the statement is also prepared on each connection.
 */
export function builtOnce<Q>(build: () => Q): () => Q {
  let query: Q | undefined;
  return () => (query ??= build());
}

/**
 * The key condition of a statement built once with placeholders: `column = $keys` for one key,
 * `column = any($keys)` for more (see anyUuid); `keysValue` is the placeholder's value.
 */
export const keysMatch = (column: SQLWrapper, one: boolean, type: 'uuid' | 'text'): SQL =>
  one ? sql`${column} = ${sql.placeholder('keys')}::${sql.raw(type)}` : sql`${column} = any(${sql.placeholder('keys')}::${sql.raw(type)}[])`;
export const keysValue = (keys: readonly string[]): string | string[] => (keys.length === 1 ? keys[0]! : [...keys]);

/**
 * A batched look-up by keys built once (`builtOnce`) in both forms, `= $1` for one key and
 * `= any($1)` for more (see anyUuid), run with placeholders. `build` gets the key condition of a
 * column and the prepared statement's name for the form (`name` for more keys, `name_one` for one).
 */
export function lookupByKeys<Q extends { execute(values: Record<string, unknown>): Promise<unknown> }>(
  type: 'uuid' | 'text',
  build: (matches: (column: SQLWrapper) => SQL, name: (base: string) => string) => Q,
): (keys: readonly string[]) => ReturnType<Q['execute']> {
  const one = builtOnce(() => build((column) => keysMatch(column, true, type), (base) => `${base}_one`));
  const many = builtOnce(() => build((column) => keysMatch(column, false, type), (base) => base));
  return (keys) => (keys.length === 1 ? one() : many()).execute({ keys: keysValue(keys) }) as ReturnType<Q['execute']>;
}

/** Turns statements built once into their text and parameters (placeholders among them). */
const dialect = new PgDialect();

/**
 * Raw statements (`db.execute`'s kind) built once per shape: the text of a shape (whatever the
 * caller's statement varies by besides values: a filter's kind, one key or more) is made on its
 * first use, with placeholders for the values; each run fills them and sends the statement
 * prepared on the subgraph's client (counted and traced as any other). drizzle otherwise made
 * the text on every call: most of the client CPU of a person's exposures (issue 17, measured).
 */
export class StatementsByShape<R> {
  private readonly built = new Map<string, { sql: string; params: unknown[] }>();

  /** `db`: a subgraph's drizzle handle (its postgres.js client runs the statements). */
  constructor(private readonly db: object) {}

  async run(shape: string, build: () => SQL, values: Record<string, unknown>): Promise<R[]> {
    let statement = this.built.get(shape);
    if (!statement) {
      statement = dialect.sqlToQuery(build());
      this.built.set(shape, statement);
    }
    return (await postgresClientOf(this.db).unsafe(statement.sql, fillPlaceholders(statement.params, values) as never[], { prepare: true })) as unknown as R[];
  }
}
