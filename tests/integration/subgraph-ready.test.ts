import { afterAll, beforeAll, describe, expect } from 'vitest';
import { connect } from '../../subgraphs/shared/db.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { unitsModule } from '../../subgraphs/units/server.ts';
import { PostgresRelay } from '../support/relay.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

describe('a subgraph’s /ready follows its database', () => {
  let database: TestDatabase<typeof unitsModule.tables>;
  let relay: PostgresRelay;
  let service: SubgraphService;
  let base: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase(unitsModule, 'ready');
    relay = new PostgresRelay(database.url);
    await relay.open();
    const pool = connect(relay.url, unitsModule.tables, 2);
    close = pool.close;
    const logger = createLogger('test', 'silent');
    service = await buildSubgraphService(unitsModule.build(pool.db, { nationalIdKey: 'k'.repeat(40), logger }), {
      internalTokenSecret: 'x'.repeat(40),
      logger,
      probeDatabase: () => pool.sql`select 1`,
    });
    base = await service.listen(0);
  });
  afterAll(async () => {
    await service?.stop();
    await relay?.cut('refuse');
    await close?.().catch(() => {});
    await database?.drop();
  });

  const ready = async () => {
    const response = await fetch(`${base}/ready`);
    return { status: response.status, body: (await response.json()) as { ready: boolean; database: string } };
  };

  itWithPostgres('200 while the database answers, 503 at once when it is gone, 200 again when it is back', async () => {
    expect(await ready()).toEqual({ status: 200, body: { ready: true, subgraph: 'units', database: 'up' } });

    await relay.cut('refuse');
    expect(await ready()).toEqual({ status: 503, body: { ready: false, subgraph: 'units', database: 'down' } });
    // /health says the process is alive all the same.
    expect((await fetch(`${base}/health`)).status).toBe(200);

    await relay.open();
    await expect.poll(async () => (await ready()).status, { timeout: 15_000, interval: 200 }).toBe(200);
  });
});
