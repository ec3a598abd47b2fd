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

/** `column = any($1::uuid[])`: the batched look-up by id. */
export const anyUuid = (column: SQLWrapper, ids: readonly string[]): SQL => sql`${column} = any(${uuidArray(ids)})`;
/** `column = any($1::text[])`: the batched look-up by code or name. */
export const anyText = (column: SQLWrapper, values: readonly string[]): SQL => sql`${column} = any(${textArray(values)})`;

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

/** `column = any($name::uuid[])`: the batched look-up by id of a query built once (`builtOnce`). */
export const anyUuidPlaceholder = (column: SQLWrapper, name: string): SQL => sql`${column} = any(${sql.placeholder(name)}::uuid[])`;
/** `column = any($name::text[])`: the batched look-up by code of a query built once. */
export const anyTextPlaceholder = (column: SQLWrapper, name: string): SQL => sql`${column} = any(${sql.placeholder(name)}::text[])`;
