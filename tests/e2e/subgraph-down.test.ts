import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { buildGateway, type GatewayService } from '../../gateway/server.ts';
import { ProvinceRegistry } from '../../gateway/province-registry.ts';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { startTestHub, TEST_SECRETS, type GraphQLResponse, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

// Issue 12, hole 3: a national subgraph that is down or hangs costs only the fields it serves.

const AN = DEMO_PEOPLE.an;
const BOTH_ROOTS = '{ provinces { code } contactRules { name minOverlapMinutes } }';

function expectTracingUnavailable(response: GraphQLResponse, path: Array<string | number>): void {
  expect(response.status).toBe(200);
  expect(response.errors).toEqual([
    expect.objectContaining({ path, extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'tracing' }) }),
  ]);
}

describe('a national subgraph that is down or hangs', () => {
  let hub: TestHub;
  let hanging: Server;
  const sockets: Socket[] = [];
  let slowGateway: GatewayService | undefined;

  beforeAll(async () => {
    hub = await startTestHub({ tracingWorkers: false });
    // Accepts connections and never answers.
    hanging = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await slowGateway?.stop();
    for (const socket of sockets) socket.destroy();
    hanging?.close();
    await hub?.stop();
  });

  itWithPostgres('a hanging subgraph: SUBGRAPH_UNAVAILABLE within SUBGRAPH_TIMEOUT_MS, the rest of the answer arrives (production)', async () => {
    const address = hanging.address();
    const hangingUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
    const national = Object.fromEntries(hub.hub.subgraphs.filter((s) => !s.provinceCode).map((s) => [s.name, s.url]));
    slowGateway = await buildGateway({
      supergraphPath: SUPERGRAPH_FILE,
      subgraphUrls: { ...national, tracing: hangingUrl },
      secrets: TEST_SECRETS,
      subgraphTimeoutMs: 500,
      provinceRegistry: ProvinceRegistry.fromFile(hub.hub.provinceRegistryFile, createLogger('test-registry', 'silent')),
      provinceTimeoutMs: 1_500,
      maxBodyBytes: 1_000_000,
      production: true,
      logger: createLogger('test-gateway', 'silent'),
    });
    const url = `${await slowGateway.listen(0)}/graphql`;

    const started = Date.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token()}` },
      body: JSON.stringify({ query: BOTH_ROOTS }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse, 'status' | 'headers'>;
    // Far below the 10 s default: the configured timeout applied (not a tight bound).
    expect(Date.now() - started).toBeLessThan(5_000);
    expectTracingUnavailable({ ...body, status: response.status, headers: response.headers }, ['contactRules']);
    expect(body.data.provinces).toHaveLength(34);
    expect(body.data.contactRules).toBeNull();
    // Production: the code, the request id and the subgraph's name; nothing about its URL.
    expect(Object.keys(body.errors![0]!.extensions!).sort()).toEqual(['code', 'requestId', 'subgraph']);
    expect(JSON.stringify(body)).not.toContain(hangingUrl);
    expect(sockets.length).toBeGreaterThan(0);
  });

  itWithPostgres("with tracing stopped, a person keeps their name and phone; cases is null with SUBGRAPH_UNAVAILABLE at person.cases", async () => {
    await hub.hub.stopSubgraph('tracing');
    const response = await hub.query('query($id: ID!) { person(id: $id) { fullName phone cases { id } } }', { id: AN.id });
    expect(response.data).toEqual({ person: { fullName: AN.fullName, phone: AN.phone, cases: null } });
    expectTracingUnavailable(response, ['person', 'cases']);
  });

  itWithPostgres('with tracing stopped, provinces still answer beside a null contactRules', async () => {
    await hub.hub.stopSubgraph('tracing');
    const response = await hub.query(BOTH_ROOTS);
    expect(response.data.provinces).toHaveLength(34);
    expect(response.data.contactRules).toBeNull();
    expectTracingUnavailable(response, ['contactRules']);
  });
});
