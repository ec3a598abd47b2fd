import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { inReservedTransaction } from '../../subgraphs/shared/copy.ts';
import { connect, databaseUrl, dropDatabase, ensureDatabase, STATEMENT_CONNECTIONS } from '../../subgraphs/shared/db.ts';
import { itWithPostgres, postgresUrl, uniquePrefix } from '../support/services.ts';

/**
 * A subgraph's connections (shared/db.ts connect): single statements share a few connections, on
 * which those that arrive together are pipelined; transactions and reserved connections hold
 * others, so that nothing holding a connection leaves the statements without one.
 */
describe("a subgraph's connections: statements on a few, transactions and reservations on others", () => {
  let server: string | null = null;
  let name = '';
  let observer: postgres.Sql;

  beforeAll(async () => {
    server = postgresUrl();
    if (!server) return;
    name = uniquePrefix('pgpools');
    await ensureDatabase(server, name);
    observer = postgres(databaseUrl(server, 'postgres'), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await observer?.end();
    if (server && name) await dropDatabase(server, name);
  });

  const backends = async () =>
    (await observer`select count(*)::int as n from pg_stat_activity where datname = ${name} and backend_type = 'client backend'`)[0]!.n as number;

  itWithPostgres('many statements at once use at most STATEMENT_CONNECTIONS backends; transactions and reservations use others; close ends all', async () => {
    const pool = connect(databaseUrl(server!, name), {}, 10);
    const pids = await Promise.all(Array.from({ length: 24 }, async () => (await pool.sql`select pg_backend_pid() as pid, pg_sleep(0.02)`)[0]!.pid as number));
    const statementPids = new Set(pids);
    expect(statementPids.size).toBeGreaterThan(1);
    expect(statementPids.size).toBeLessThanOrEqual(STATEMENT_CONNECTIONS);

    const inTransactions = await Promise.all(Array.from({ length: 4 }, () => pool.sql.begin(async (tx) => (await tx`select pg_backend_pid() as pid, pg_sleep(0.02)`)[0]!.pid as number)));
    expect(new Set(inTransactions).size).toBe(4);
    for (const pid of inTransactions) expect(statementPids.has(pid)).toBe(false);
    const reserved = await inReservedTransaction(pool.db, async (transaction) => {
      const [row] = await transaction.run(() => transaction.sql`select pg_backend_pid() as pid`);
      await transaction.run(() => transaction.sql`rollback`);
      return row!.pid as number;
    });
    expect(statementPids.has(reserved as number)).toBe(false);

    await pool.close();
    await expect.poll(backends).toBe(0);
  });

  itWithPostgres('with every transaction connection held, a statement through the pool is still answered', async () => {
    const pool = connect(databaseUrl(server!, name), {}, 2);
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let bothOpen!: () => void;
      const opened = new Promise<void>((resolve) => (bothOpen = resolve));
      let open = 0;
      const holders = Array.from({ length: 2 }, () =>
        pool.sql.begin(async (tx) => {
          await tx`select 1`;
          if (++open === 2) bothOpen();
          await held;
        }),
      );
      await opened;
      // With one pool of two, this statement would wait for a transaction to end: here, forever.
      const answer = await Promise.race([
        pool.sql`select 41 + 1 as n`.then((rows) => rows[0]!.n as number),
        new Promise<'starved'>((resolve) => setTimeout(() => resolve('starved'), 5_000)),
      ]);
      release();
      await Promise.all(holders);
      expect(answer).toBe(42);
    } finally {
      await pool.close();
    }
  });
});
