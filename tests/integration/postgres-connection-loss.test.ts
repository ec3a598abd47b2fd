import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { sql as statement } from 'drizzle-orm';
import { connect, databaseUrl, dropDatabase, ensureDatabase, type Database } from '../../subgraphs/shared/db.ts';
import { itWithPostgres, postgresUrl, uniquePrefix } from '../support/services.ts';

/**
 * Issue 12, hole 4: no process may die from a lost connection. postgres.js 3.4.9 does not guard
 * a lost connection (a ROLLBACK of sql.begin, so of every drizzle db.transaction, written into its
 * null socket from a setImmediate: an uncaught TypeError; a connection that could not send after
 * reconnecting; statements never settled after a reset; a dropped rejection of the read of the
 * array types): patches/postgres+3.4.9.patch, applied by `npm ci`'s postinstall (patch-package),
 * fixes it (README, Development). These tests fail without the patch.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
/** The patch's comments mark each place it changes. */
const MARKER = 'hub-patch (patches/postgres+3.4.9.patch';
const ITERATIONS = 40;
/** A statement, a transaction, not settled within this: a hang (a detector, not a timing bound). */
const HANG = 20_000;

describe('postgres.js: lost connections', () => {
  it('the installed postgres.js is 3.4.9 with the patch applied (ESM, which the hub loads, and CJS)', () => {
    const pkg = JSON.parse(readFileSync(`${root}node_modules/postgres/package.json`, 'utf8')) as { version: string; exports: Record<string, string> };
    expect(pkg.version).toBe('3.4.9');
    expect(pkg.exports.import).toBe('./src/index.js');
    for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
      const source = readFileSync(`${root}node_modules/postgres/${file}`, 'utf8');
      // Not toContain: a failure would print the whole file.
      expect(source.includes(MARKER), `node_modules/postgres/${file} is not patched: npm ci runs patch-package (postinstall), or run npx patch-package`).toBe(true);
      expect(source.includes('return fetchArrayTypes().catch(noop)'), file).toBe(true);
    }
    for (const file of ['src/index.js', 'cjs/src/index.js']) {
      const source = readFileSync(`${root}node_modules/postgres/${file}`, 'utf8');
      expect(source.includes('query.reserve && queries.unshift(query)'), `node_modules/postgres/${file} is not patched`).toBe(true);
      // libpq's `host` URL parameter (tests/integration/postgres-socket.test.ts).
      expect(source.includes('multihost || query.host || url.hostname'), `node_modules/postgres/${file} is not patched`).toBe(true);
    }
  });

  let server: string | null = null;
  let name = '';
  let pool: Database<Record<string, never>>;
  /** One connection of its own to the same database: it terminates the pool's (never itself). */
  let killer: postgres.Sql;

  beforeAll(async () => {
    server = postgresUrl();
    if (!server) return;
    name = uniquePrefix('pgloss');
    await ensureDatabase(server, name);
    const url = databaseUrl(server, name);
    killer = postgres(url, { max: 1, onnotice: () => {} });
    await killer`create table hits (id serial primary key, iteration int not null, step int not null)`;
    pool = connect(url, {}, 6);
  });
  afterAll(async () => {
    await pool?.close();
    await killer?.end({ timeout: 1 });
    if (server && name) await dropDatabase(server, name);
  });

  const terminate = () => killer`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  itWithPostgres(`db.transaction and pool queries, their connections terminated ${ITERATIONS} times: nothing escapes, nothing hangs, the pool works after`, { timeout: 300_000 }, async () => {
    // Whatever postgres.js throws or rejects outside the promises held here (with these listeners
    // vitest leaves it to the test), and the operations that did not settle.
    const escaped: unknown[] = [];
    const hung: string[] = [];
    const onEscape = (error: unknown) => escaped.push(error);
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
    const settled = (label: string, operation: Promise<unknown>): Promise<void> =>
      Promise.race([
        operation.then(
          () => true,
          () => true,
        ),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), HANG).unref()),
      ]).then((done) => void (done || hung.push(label)));
    let failed = 0;
    try {
      for (let i = 0; i < ITERATIONS && hung.length < 3; i++) {
        const operations: Array<Promise<unknown>> = [];
        // Transactions of several statements (drizzle → sql.begin): a kill mid-statement makes
        // begin() send its own ROLLBACK on the lost connection.
        for (let t = 0; t < 3; t++) {
          operations.push(
            pool.db.transaction(async (tx) => {
              for (let step = 0; step < 4; step++) {
                await tx.execute(statement`insert into hits (iteration, step) values (${i}, ${step})`);
                await tx.execute(statement`select pg_sleep(${(((i + t + step) % 4) * 5) / 1000})`);
              }
            }),
          );
        }
        // Plain pool queries, pipelined and not.
        for (let q = 0; q < 4; q++) operations.push(pool.sql`select pg_sleep(${((i * 7 + q * 3) % 30) / 1000}), ${q}::int as q`);
        operations.push(pool.db.execute(statement`select count(*) from hits`));
        operations.forEach((operation) => operation.catch(() => failed++));
        const watched = operations.map((operation, n) => settled(`iteration ${i}, operation ${n}`, operation));

        // Varied moments: before the first statement, during statements, between them; every
        // third time twice, the second while the pool reconnects (its read of the array types).
        await sleep((i * 13) % 70);
        await terminate();
        if (i % 3 === 0) {
          await sleep((i * 5) % 15);
          await terminate();
        }
        await Promise.all(watched);
      }
      // Late ones (a write's setImmediate, a reconnect's read of the array types) come turns after.
      await sleep(300);
    } finally {
      process.off('uncaughtException', onEscape);
      process.off('unhandledRejection', onEscape);
    }
    expect({ hung, escaped: escaped.map(String) }).toEqual({ hung: [], escaped: [] });
    expect(failed).toBeGreaterThan(0); // the kills did hit

    // The pool works after: plain queries on every connection, and a transaction that commits.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => pool.sql<Array<{ n: number }>>`select ${n}::int as n`));
    expect(answers.map(([row]) => row?.n)).toEqual(Array.from({ length: 12 }, (_, n) => n));
    await pool.db.transaction(async (tx) => {
      await tx.execute(statement`insert into hits (iteration, step) values (-1, -1)`);
    });
    const [row] = await killer<Array<{ n: number }>>`select count(*)::int as n from hits where iteration = -1`;
    expect(row?.n).toBe(1);
    const open = await killer`select pid from pg_stat_activity where datname = ${name} and state like 'idle in transaction%'`;
    expect(open).toHaveLength(0);
  });

  itWithPostgres('a reserve() waiting for the only connection gets it back after the server ends that connection (porsager/postgres#1195)', async () => {
    const url = databaseUrl(server!, name);
    const single = connect(url, {}, 1);
    try {
      await single.sql`select 1`;
      const busy = single.sql`select pg_sleep(10)`.catch((error: unknown) => error);
      while ((await killer`select 1 from pg_stat_activity where datname = ${name} and query like 'select pg_sleep(10)%' and state = 'active'`).length === 0) await sleep(10);
      // Queued: the pool's one connection is busy. Then the server ends that connection; unpatched,
      // the reconnect took the reserve as its first query and dropped it, and it never settled.
      const reserving = single.sql.reserve();
      await terminate();
      expect(await busy).toBeInstanceOf(Error);
      const reserved = await Promise.race([reserving, sleep(HANG / 4).then(() => 'stranded' as const)]);
      expect(reserved).not.toBe('stranded');
      if (reserved === 'stranded') return;
      expect(await reserved`select 41 + 1 as n`).toEqual([{ n: 42 }]);
      reserved.release();
      expect(await single.sql`select 1 as n`).toEqual([{ n: 1 }]);
    } finally {
      await single.close();
    }
  });
});
