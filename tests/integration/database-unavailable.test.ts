import { afterAll, beforeAll, describe, expect } from 'vitest';
import { connect, type Database } from '../../subgraphs/shared/db.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { unitsModule } from '../../subgraphs/units/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { PostgresRelay } from '../support/relay.ts';
import { callers, executeAs } from '../support/subgraph.ts';

/**
 * Issue 18: a subgraph whose database is gone answers at once with SERVICE_UNAVAILABLE (a code a
 * client retries on), not INTERNAL_SERVER_ERROR and not after a hang past the gateway's timeout;
 * its pool connects again as soon as the database is back.
 */

/** Not settled within this: a hang (a detector well under postgres.js's 30 s default connect timeout, not a timing bound). */
const HANG = 15_000;
const settles = <T>(operation: Promise<T>) =>
  Promise.race([operation, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), HANG).unref())]);

describe('a subgraph whose database is unreachable', () => {
  let database: TestDatabase<typeof unitsModule.tables>;
  let relay: PostgresRelay;
  let pool: Database<typeof unitsModule.tables>;
  let service: SubgraphService;
  let definition: SubgraphDefinition<any>;
  const caller = callers()('national_official');

  beforeAll(async () => {
    database = await createTestDatabase(unitsModule, 'dbdown');
    relay = new PostgresRelay(database.url);
    await relay.open();
    pool = connect(relay.url, unitsModule.tables, 2);
    const logger = createLogger('test', 'silent');
    definition = unitsModule.build(pool.db, { nationalIdKey: 'k'.repeat(40), logger });
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger, probeDatabase: () => pool.sql`select 1` });
  });
  afterAll(async () => {
    await service?.stop();
    await relay?.cut('refuse');
    await pool?.close().catch(() => {});
    await database?.drop();
  });

  // Through the subgraph's Apollo Server, with its formatError, as the gateway's request would run.
  const provinces = () => executeAs(service, definition, caller, '{ provinces { code } }');

  itWithPostgres('answers SERVICE_UNAVAILABLE while the server refuses connections, and data again once it is back', async () => {
    expect((await provinces()).errors).toBeUndefined();

    await relay.cut('refuse');
    // Several requests: each failed connection makes postgres.js wait longer before the next attempt.
    for (let i = 0; i < 12; i++) {
      const answer = await settles(provinces());
      expect(answer).not.toBe('hung');
      expect(answer).toMatchObject({ data: { provinces: null }, errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      expect(JSON.stringify(answer)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
    }

    // postgres.js's own wait before a reconnect grows with the pool's failures to 20 s (a minute's
    // outage then keeps every statement queued long after the server is back); the hub's stays ≤ 1 s.
    const backoff = pool.sql.options.backoff as unknown as (failures: number) => number;
    expect(Math.max(...Array.from({ length: 30 }, (_, failures) => backoff(failures)))).toBeLessThanOrEqual(1);

    await relay.open();
    // The first request after the return is answered with data: the pool's wait before
    // reconnecting does not grow with the failures (postgres.js's own grows to 20 s).
    const after = await settles(provinces());
    expect(after).not.toBe('hung');
    expect(after).toMatchObject({ data: { provinces: expect.any(Array) } });
    expect((after as { errors?: unknown }).errors).toBeUndefined();
  });

  itWithPostgres('answers SERVICE_UNAVAILABLE when the database host takes connections and never answers', async () => {
    expect((await provinces()).errors).toBeUndefined();
    await relay.cut('blackhole');
    // The first may meet a pooled connection as it closes; the next ones open new ones into the void.
    for (let i = 0; i < 3; i++) {
      const answer = await settles(provinces());
      expect(answer).not.toBe('hung');
      expect(answer).toMatchObject({ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    }

    await relay.open('pass');
    await expect.poll(async () => (await provinces()).errors, { timeout: 30_000, interval: 200 }).toBeUndefined();
  });
});
