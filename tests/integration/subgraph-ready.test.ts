import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { connect } from '../../subgraphs/shared/db.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { unitsModule } from '../../subgraphs/units/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

/** A TCP relay to PostgreSQL that the test can cut (every connection dropped, nothing accepted) and restore. */
class CuttableRelay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = tcpConnect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

describe('a subgraph’s /ready follows its database', () => {
  let database: TestDatabase<typeof unitsModule.tables>;
  let relay: CuttableRelay;
  let service: SubgraphService;
  let base: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase(unitsModule, 'ready');
    const target = new URL(database.url);
    relay = new CuttableRelay({ host: target.hostname, port: Number(target.port || 5432) });
    await relay.open();
    const viaRelay = new URL(database.url);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    // Through the relay's TCP port, not the embedded server's Unix socket (its URL's `host` parameter).
    viaRelay.searchParams.delete('host');
    const pool = connect(viaRelay.toString(), unitsModule.tables, 2);
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
    await relay?.cut();
    await close?.().catch(() => {});
    await database?.drop();
  });

  const ready = async () => {
    const response = await fetch(`${base}/ready`);
    return { status: response.status, body: (await response.json()) as { ready: boolean; database: string } };
  };

  itWithPostgres('200 while the database answers, 503 at once when it is gone, 200 again when it is back', async () => {
    expect(await ready()).toEqual({ status: 200, body: { ready: true, subgraph: 'units', database: 'up' } });

    await relay.cut();
    expect(await ready()).toEqual({ status: 503, body: { ready: false, subgraph: 'units', database: 'down' } });
    // /health says the process is alive all the same.
    expect((await fetch(`${base}/health`)).status).toBe(200);

    await relay.open();
    await expect.poll(async () => (await ready()).status, { timeout: 15_000, interval: 200 }).toBe(200);
  });
});
