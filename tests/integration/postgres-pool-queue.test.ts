import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { connect, databaseUrl, dropDatabase, ensureDatabase, type Database } from '../../subgraphs/shared/db.ts';
import { itWithPostgres, postgresUrl, uniquePrefix } from '../support/services.ts';

/**
 * Issue 17: a long-running subgraph's statements cost more the longer it ran. postgres.js 3.4.9's
 * queue (src/queue.js) only forgets the items it handed out when it empties, and a pool's queue of
 * idle connections never empties while one connection is always idle: every statement moved its
 * connection from that queue to the busy one with an `indexOf` over a slot for every statement the
 * pool had ever run. patches/postgres+3.4.9.patch lets the handed-out slots go. These tests fail
 * without the patch.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const STATEMENTS = 2_000;

describe('postgres.js: a pool costs the same per statement however long it has run', () => {
  itWithPostgres('the patch is in the queue (ESM, which the hub loads, and CJS)', () => {
    for (const file of ['src/queue.js', 'cjs/src/queue.js']) {
      const source = readFileSync(`${root}node_modules/postgres/${file}`, 'utf8');
      expect(source.includes('xs = xs.slice(index)'), `node_modules/postgres/${file} is not patched: npm ci runs patch-package (postinstall)`).toBe(true);
    }
  });

  let server: string | null = null;
  let name = '';
  let pool: Database<Record<string, never>>;

  beforeAll(async () => {
    server = postgresUrl();
    if (!server) return;
    name = uniquePrefix('pgqueue');
    await ensureDatabase(server, name);
    pool = connect(databaseUrl(server, name), {}, 4);
  });
  afterAll(async () => {
    await pool?.close();
    if (server && name) await dropDatabase(server, name);
  });

  itWithPostgres('statements one after another never make the pool search a longer queue', async () => {
    // All four connections opened, then statements one at a time: three always idle.
    await Promise.all(Array.from({ length: 4 }, () => pool.sql`select pg_sleep(0.05)`));
    // The length of every array postgres.js searches for one of its connections (queue.remove).
    const searched: number[] = [];
    const indexOf = Array.prototype.indexOf;
    const isConnection = (x: unknown) => typeof x === 'object' && x !== null && 'queue' in x && typeof (x as { execute?: unknown }).execute === 'function';
    Array.prototype.indexOf = function (this: unknown[], ...args: Parameters<typeof indexOf>) {
      if (isConnection(args[0])) searched.push(this.length);
      return indexOf.apply(this, args);
    };
    try {
      for (let i = 0; i < STATEMENTS; i++) await pool.sql`select ${i}::int as i`;
    } finally {
      Array.prototype.indexOf = indexOf;
    }
    expect(searched.length).toBeGreaterThanOrEqual(STATEMENTS);
    // Unpatched: the idle queue's array grew by one slot per statement, to STATEMENTS.
    expect(Math.max(...searched)).toBeLessThan(200);
  });
});
