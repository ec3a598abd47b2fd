import { afterAll, beforeAll, describe, expect } from 'vitest';
import { buildGateway, type GatewayService } from '../../gateway/server.ts';
import { ProvinceRegistry } from '../../gateway/province-registry.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { freePort } from '../support/ports.ts';
import { TEST_SECRETS } from '../support/hub.ts';
import { it } from 'vitest';

// No database needed: nothing answers behind this gateway at all.
describe('a gateway whose subgraphs are all down', () => {
  let gateway: GatewayService;
  let url: string;
  beforeAll(async () => {
    const dead = `http://127.0.0.1:${await freePort()}/graphql`;
    gateway = await buildGateway({
      supergraphPath: SUPERGRAPH_FILE,
      subgraphUrls: { units: dead, declarations: dead, checkins: dead, tracing: dead },
      secrets: TEST_SECRETS,
      subgraphTimeoutMs: 2_000,
      provinceRegistry: ProvinceRegistry.fromMap({ '79': dead }),
      provinceTimeoutMs: 1_000,
      maxBodyBytes: 1_000_000,
      production: false,
      logger: createLogger('test-gateway', 'silent'),
    });
    url = `${await gateway.listen(0)}/graphql`;
  });
  afterAll(() => gateway?.stop());

  it('starts anyway (it never introspects), answers with errors, and says which subgraphs are down', async () => {
    const token = await signCallerToken(TEST_SECRETS.jwt, { subject: 't', role: 'national_official' });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ provinces { code } }' }),
    });
    const body = (await response.json()) as { data: unknown; errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    expect(body.data).toEqual({ provinces: null });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['provinces'], extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'units' }) })]);
    const ready = (await (await fetch(url.replace('/graphql', '/ready'))).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({ ready: true, supergraph: 'loaded', subgraphs: { units: 'down', tracing: 'down' }, provinces: { '79': 'down' } });
  });
});
