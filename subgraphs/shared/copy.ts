import type { SQL, SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { ReservedTransaction } from './db.ts';
import { sqlState } from './sql.ts';

/**
 * `COPY … FROM STDIN` on a reserved connection (db.ts ReservedTransaction), the way partner uploads
 * store thousands of rows: one statement whose data PostgreSQL parses in bulk, where a multi-row
 * INSERT has every column sent as an array parameter (serialised by the client, parsed by the
 * server) and unnested. One helper for the check-in, dose and test result uploads.
 */

/** Whether a value needs escaping (no `g` flag: `test` keeps no state); most values do not, and a test allocates nothing. */
const COPY_SPECIAL = /[\\\t\n\r]/;

/** A text value in COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
export const copyText = (value: string | null): string =>
  value === null ? '\\N' : COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;

/**
 * BEGIN on a reserved connection of the pool under a drizzle handle; null when the handle is not a
 * pooled postgres.js client (or postgres.js did not hand the connection over): the caller then
 * stores the rows another way.
 */
async function beginReserved(db: object): Promise<ReservedTransaction | null> {
  const client = (db as { $client?: postgres.Sql }).$client;
  if (typeof client?.reserve !== 'function') return null;
  return ReservedTransaction.begin(client);
}

/** What inReservedTransaction answers when the handle cannot reserve a connection: nothing was run. */
export const NOT_RESERVED = Symbol('not reserved');

/**
 * `work` in a transaction on a reserved connection (beginReserved), which `work` ends with COMMIT
 * or ROLLBACK; if it throws, the transaction is rolled back (unless the connection is lost) and
 * the error rethrown. The connection goes back to the pool either way. NOT_RESERVED, nothing run,
 * when the handle cannot reserve one: the caller then stores its rows another way.
 */
export async function inReservedTransaction<T>(db: object, work: (transaction: ReservedTransaction) => Promise<T>): Promise<T | typeof NOT_RESERVED> {
  const transaction = await beginReserved(db);
  if (!transaction) return NOT_RESERVED;
  try {
    return await work(transaction);
  } catch (error) {
    await transaction.rollback(error);
    throw error;
  } finally {
    transaction.release();
  }
}

/**
 * Sends `pieces` as the data of `statement` (a `copy … from stdin`) and ends it. Resolves with the
 * error the stream reported (a server's refusal is a postgres.PostgresError; the caller decides),
 * null when none; a lost connection rejects. The outcome of the COPY itself is learnt from the next
 * statement (`afterCopy`): postgres.js 3.4.9 never settles a writable that the server rejects after
 * CopyDone, and the error goes nowhere (porsager/postgres#1173, fix pending in #1183); the
 * transaction is then aborted, so the next statement fails, or COMMIT answers ROLLBACK.
 */
export async function copyInto(transaction: ReservedTransaction, statement: string, pieces: readonly Buffer[]): Promise<unknown> {
  const stream = await transaction.run(() => transaction.sql.unsafe(statement).writable());
  let failed: unknown = null;
  stream.on('error', (error) => (failed = error));
  for (const piece of pieces.slice(0, -1)) stream.write(piece);
  if (pieces.length > 0) {
    await transaction.run(
      () =>
        new Promise<void>((resolve) => {
          stream.write(pieces.at(-1)!, () => resolve());
          stream.once('close', resolve); // destroyed: refused, or the connection failed
        }),
    );
  }
  stream.end();
  return failed;
}

/**
 * The statement that follows a COPY on its connection. postgres.js refuses to queue a statement
 * while its COPY stream is still open, which ends as soon as end()'s CopyDone is on its way. Each
 * attempt follows a timer, not setImmediate: postgres.js sends a short statement from a
 * setImmediate of its own, and one queued from the check phase waits for the next, so a socket
 * closing in between leaves that connection unable to send anything after it reconnects
 * (src/connection.js closed() cancels the immediate but keeps its handle: write() never schedules
 * another).
 */
export async function afterCopy<T>(transaction: ReservedTransaction, send: () => PromiseLike<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    try {
      return await transaction.run(send);
    } catch (error) {
      if (sqlState(error) === 'COPY_IN_PROGRESS' && attempt < 1000) continue;
      throw error;
    }
  }
}

/**
 * COPYs rows straight into their table under a savepoint, for an upload whose rows were all found
 * new: true when stored; false, the transaction as it was before, when the server refused them
 * (rows a concurrent upload stored first: the unique key's index makes the COPY wait for that
 * upload's commit, then fail); the caller then takes its general path. A lost connection throws.
 */
export async function copyStraight(transaction: ReservedTransaction, statement: string, pieces: readonly Buffer[]): Promise<boolean> {
  await transaction.run(() => transaction.sql`savepoint copy_straight`);
  const failed = await copyInto(transaction, statement, pieces);
  if (failed && !(failed instanceof postgres.PostgresError)) throw failed;
  try {
    // The COPY's outcome (copyInto): RELEASE fails in a transaction the refused COPY aborted.
    await afterCopy(transaction, () => transaction.sql`release savepoint copy_straight`);
    return true;
  } catch (error) {
    if (!(error instanceof postgres.PostgresError) || transaction.lost) throw error;
    await transaction.run(() => transaction.sql`rollback to savepoint copy_straight`);
    return false;
  }
}

const dialect = new PgDialect();

/**
 * drizzle statements on the reserved connection, sent as drizzle's postgres-js driver sends them
 * (unsafe, with their parameters); rows as drizzle's `execute` answers them. Not for the statement
 * right after a COPY (afterCopy).
 */
export function executorOf(transaction: ReservedTransaction): { execute<T extends Record<string, unknown>>(query: SQL | SQLWrapper): Promise<T[]> } {
  return {
    execute: <T extends Record<string, unknown>>(query: SQL | SQLWrapper) => {
      const { sql: text, params } = dialect.sqlToQuery(query.getSQL());
      return transaction.run(() => transaction.sql.unsafe(text, params as never[])) as unknown as Promise<T[]>;
    },
  };
}
