import { createServer, type Server } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { ProvinceRouter } from '../../gateway/province-router.ts';
import { ProvinceRegistry } from '../../gateway/province-registry.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { signInternalToken } from '../../subgraphs/shared/identity.ts';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { PUBLIC_MAX_AGE_SECONDS } from '../../subgraphs/province/server.ts';
import { startTestHub, TEST_SECRETS, type TestHub } from '../support/hub.ts';
import { scrape, valueOf } from '../support/prometheus.ts';
import { itWithPostgres } from '../support/services.ts';

const NATIONWIDE = /* GraphQL */ `{ provinces { code name hotline quarantineFacilities { name freeBeds } } }`;
type Error = { message: string; path?: Array<string | number>; extensions?: { code?: string; province?: string } };
const unavailableProvinces = (errors: Error[] | undefined) =>
  [...new Set((errors ?? []).filter((e) => e.extensions?.code === 'PROVINCE_UNAVAILABLE').map((e) => e.extensions?.province))].sort();

describe('the province router: one query, every province', () => {
  let hub: TestHub;
  let registry: Record<string, string>;
  let hanging: Server;
  let hangingUrl: string;

  beforeAll(async () => {
    hub = await startTestHub();
    registry = (JSON.parse(readFileSync(hub.hub.provinceRegistryFile, 'utf8')) as { provinces: Record<string, string> }).provinces;
    // A "province" that accepts connections and never answers.
    hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const address = hanging.address();
    hangingUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
  });
  afterAll(async () => {
    hanging?.close();
    await hub?.stop();
  });

  const setRegistry = async (provinces: Record<string, string>, probe: (response: { data?: any; errors?: Error[] }) => boolean) => {
    writeFileSync(hub.hub.provinceRegistryFile, JSON.stringify({ provinces }));
    await expect.poll(async () => probe(await hub.query(NATIONWIDE)), { timeout: 10_000, interval: 200 }).toBe(true);
  };

  itWithPostgres('answers for all 34 provinces with three shards up; the other 31 are PROVINCE_UNAVAILABLE', async () => {
    // The shards' first answers (cold processes on a loaded machine) may outlast the per-province timeout.
    await expect.poll(async () => (await hub.query(NATIONWIDE)).data.provinces.filter((p: any) => p.hotline !== null).length, { timeout: 15_000, interval: 200 }).toBe(3);
    const response = await hub.query(NATIONWIDE);
    expect(response.data.provinces).toHaveLength(34);
    const served = response.data.provinces.filter((p: any) => p.hotline !== null);
    expect(served.map((p: any) => p.code)).toEqual(['01', '24', '79']);
    for (const p of served) expect(p.quarantineFacilities.length).toBeGreaterThan(0);
    const others = response.data.provinces.filter((p: any) => p.hotline === null);
    expect(others.every((p: any) => p.name && p.quarantineFacilities === null)).toBe(true); // units still answers for them
    expect(unavailableProvinces(response.errors)).toEqual(others.map((p: any) => p.code).sort());
    // Each error points at its own province in the result.
    const error = response.errors!.find((e) => e.extensions?.province === '96')!;
    expect(response.data.provinces[error.path![1] as number].code).toBe('96');
  });

  itWithPostgres('routes root fields by their province argument, several provinces in one operation', async () => {
    const [hn, hcm] = [demoId('facility', '01', 1), demoId('facility', '79', 1)];
    const response = await hub.query(
      `query($hn: ID!, $hcm: ID!) { a: quarantineFacility(province: "01", id: $hn) { provinceCode name } b: quarantineFacility(province: "79", id: $hcm) { provinceCode name } c: quarantineFacility(province: "33", id: $hcm) { name } }`,
      { hn, hcm },
    );
    expect(response.data.a.provinceCode).toBe('01');
    expect(response.data.b.provinceCode).toBe('79');
    expect(response.data.c).toBeNull();
    expect(unavailableProvinces(response.errors)).toEqual(['33']);
  });

  itWithPostgres("a facility's new occupancy is in the next read through the gateway that carried it, though the province's public data is kept", async () => {
    const facility = demoId('facility', '79', 1);
    const PUBLIC = `{ province(code: "79") { hotline quarantineFacilities { id occupied freeBeds } } }`;
    const occupancy = async () => (await hub.query(PUBLIC)).data.province.quarantineFacilities.find((f: { id: string }) => f.id === facility);
    const before = await occupancy();
    const kept = async () => valueOf(await scrape(hub.url.replace(/\/graphql$/, '/metrics')), 'hub_gateway_entity_cache_total', { subgraph: 'province', outcome: 'hit' });
    const hitsBefore = await kept();
    expect(await occupancy()).toEqual(before);
    expect(await kept()).toBe(hitsBefore + 1); // the second read came from the gateway's entity cache

    const official = await hub.token({ role: 'province_official', provinces: ['79'] });
    const occupied = before.occupied === 1 ? 2 : 1;
    const set = await hub.query(`mutation { setFacilityOccupancy(province: "79", facilityId: "${facility}", occupied: ${occupied}) { __typename } }`, {}, { token: official });
    expect(set.data.setFacilityOccupancy.__typename).toBe('FacilityOccupancySet');
    expect(await occupancy()).toEqual({ id: facility, occupied, freeBeds: before.freeBeds + before.occupied - occupied });
  });

  itWithPostgres('with one shard stopped, returns the others and names the missing one once what the gateway kept of it expired', async () => {
    await hub.hub.stopSubgraph('province', '24');
    // What a province publishes is kept for PUBLIC_MAX_AGE_SECONDS (province/server.ts): until then
    // the gateway may still answer the stopped shard's part.
    await expect
      .poll(async () => unavailableProvinces((await hub.query(NATIONWIDE)).errors).includes('24'), { timeout: (PUBLIC_MAX_AGE_SECONDS + 5) * 1000, interval: 500 })
      .toBe(true);
    const response = await hub.query(NATIONWIDE);
    const byCode = Object.fromEntries(response.data.provinces.map((p: any) => [p.code, p]));
    expect(byCode['01'].hotline).not.toBeNull();
    expect(byCode['79'].hotline).not.toBeNull();
    expect(byCode['24']).toMatchObject({ name: 'Tỉnh Bắc Ninh', hotline: null, quarantineFacilities: null });
    const error = response.errors!.find((e) => e.extensions?.province === '24');
    expect(error?.extensions?.code).toBe('PROVINCE_UNAVAILABLE');
    expect(error?.message).toContain('unreachable');
  });

  itWithPostgres('a shard that hangs costs the per-province timeout, not the whole answer', async () => {
    await setRegistry({ ...registry, '33': hangingUrl }, (r) => r.errors?.some((e) => e.extensions?.province === '33' && /did not answer/.test(e.message)) ?? false);
    const started = Date.now();
    const response = await hub.query(NATIONWIDE);
    const elapsed = Date.now() - started;
    expect(response.data.provinces.find((p: any) => p.code === '79').hotline).not.toBeNull();
    expect(response.errors!.find((e) => e.extensions?.province === '33')?.message).toMatch(/did not answer within 1500 ms/);
    // Bounded by the province timeout (1.5 s), far below the 5 s subgraph timeout.
    expect(elapsed).toBeLessThan(5_000);
  });

  itWithPostgres('takes a registry change without a restart', async () => {
    const { '01': _dropped, ...without01 } = registry;
    await setRegistry(without01, (r) => r.data.provinces.find((p: any) => p.code === '01').hotline === null);
    const response = await hub.query(NATIONWIDE);
    expect(response.errors!.find((e) => e.extensions?.province === '01')?.message).toContain('not registered');
    await setRegistry(registry, (r) => r.data.provinces.find((p: any) => p.code === '01').hotline !== null);
  });

  itWithPostgres('keeps interleaved representations in order and fails only the malformed ones', async () => {
    const router = new ProvinceRouter(ProvinceRegistry.fromMap(registry), 1_500, createLogger('test-router', 'silent'));
    const internalToken = await signInternalToken(TEST_SECRETS.internalToken, { subject: 't', role: 'service', jurisdiction: 'all', scopes: [], purpose: null });
    const representations = [
      { __typename: 'QuarantineFacility', provinceCode: '79', id: demoId('facility', '79', 2) },
      { __typename: 'Province', code: '01' },
      { __typename: 'QuarantineFacility', provinceCode: 'x9', id: demoId('facility', '79', 1) },
      { __typename: 'QuarantineFacility', provinceCode: '01', id: demoId('facility', '01', 1) },
      { __typename: 'QuarantineFacility', id: demoId('facility', '01', 2) },
      { __typename: 'Province', code: '79' },
      { __typename: 'QuarantineFacility', provinceCode: '79', id: demoId('facility', '79', 1) },
    ];
    const response = await router.process({
      kind: 'health check', // GraphQLDataSourceRequestKind.HEALTH_CHECK (not exported by @apollo/gateway); the router ignores it
      context: { internalToken },
      request: {
        query: `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on QuarantineFacility { provinceCode id } ... on Province { code hotline } } }`,
        variables: { representations },
      },
    } as never);
    const entities = (response.data as { _entities: Array<Record<string, string> | null> })._entities;
    expect(entities).toHaveLength(7);
    expect(entities[0]).toEqual({ provinceCode: '79', id: representations[0]!.id });
    expect(entities[1]).toMatchObject({ code: '01' });
    expect(entities[2]).toBeNull();
    expect(entities[3]).toEqual({ provinceCode: '01', id: representations[3]!.id });
    expect(entities[4]).toBeNull();
    expect(entities[5]).toMatchObject({ code: '79' });
    expect(entities[6]).toEqual({ provinceCode: '79', id: representations[6]!.id });
    expect((response.errors ?? []).map((e) => e.path)).toEqual([
      ['_entities', 2],
      ['_entities', 4],
    ]);
  });
});
