import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

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
 * A batched look-up by keys built once (`builtOnce`) in both forms, `= $1` for one key and
 * `= any($1)` for more (see anyUuid), run with placeholders. `build` gets the key condition of a
 * column and the prepared statement's name for the form (`name` for more keys, `name_one` for one).
 */
export function lookupByKeys<Q extends { execute(values: Record<string, unknown>): Promise<unknown> }>(
  type: 'uuid' | 'text',
  build: (matches: (column: SQLWrapper) => SQL, name: (base: string) => string) => Q,
): (keys: readonly string[]) => ReturnType<Q['execute']> {
  const keys = sql.placeholder('keys');
  const one = builtOnce(() => build((column) => sql`${column} = ${keys}::${sql.raw(type)}`, (base) => `${base}_one`));
  const many = builtOnce(() => build((column) => sql`${column} = any(${keys}::${sql.raw(type)}[])`, (base) => base));
  return (values) => (values.length === 1 ? one().execute({ keys: values[0] }) : many().execute({ keys: [...values] })) as ReturnType<Q['execute']>;
}
