import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPLORER_DIST } from '../../gateway/web-apps.ts';
import { buildGateway, type GatewayService } from '../../gateway/server.ts';
import { ProvinceRegistry } from '../../gateway/province-registry.ts';
import { manifestOf, sha256Hex } from '../../gateway/trusted-documents.ts';
import { signCallerToken, type CallerTokenInput } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { freePort } from '../support/ports.ts';
import { TEST_SECRETS } from '../support/hub.ts';

// The explorer's routes, introspection and the partners' gate need no subgraph behind the
// gateway: nothing answers there, and no database is used.
async function gatewayAlone(production: boolean, trustedDocumentsDir?: string): Promise<{ gateway: GatewayService; base: string }> {
  const dead = `http://127.0.0.1:${await freePort()}/graphql`;
  const gateway = await buildGateway({
    supergraphPath: SUPERGRAPH_FILE,
    subgraphUrls: { units: dead, declarations: dead, checkins: dead, tracing: dead },
    secrets: TEST_SECRETS,
    subgraphTimeoutMs: 2_000,
    provinceRegistry: ProvinceRegistry.fromMap({}),
    provinceTimeoutMs: 1_000,
    maxBodyBytes: 1_000_000,
    production,
    ...(trustedDocumentsDir ? { trustedDocumentsDir } : {}),
    logger: createLogger('test-gateway', 'silent'),
  });
  return { gateway, base: await gateway.listen(0) };
}

const token = (input: Partial<CallerTokenInput> = {}) => signCallerToken(TEST_SECRETS.jwt, { subject: 'test', role: 'national_official', ...input });

async function graphql(base: string, bearer: string, body: Record<string, unknown>) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

// The explorer is built by the global setup (tests/support/web-build.ts).
describe('the explorer on a production gateway', () => {
  let gateway: GatewayService;
  let base: string;
  beforeAll(async () => {
    ({ gateway, base } = await gatewayAlone(true));
  });
  afterAll(() => gateway?.stop());

  it('serves the page and its assets with their content types and caching', async () => {
    const redirect = await fetch(`${base}/explorer?x=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/explorer/?x=1');

    const page = await fetch(`${base}/explorer/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    const script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    const style = /href="\.\/(assets\/index-[^"]+\.css)"/.exec(html)?.[1];
    expect(script && style).toBeTruthy();

    const js = await fetch(`${base}/explorer/${script}`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = js.headers.get('etag')!;
    await js.arrayBuffer();
    const again = await fetch(`${base}/explorer/${script}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await fetch(`${base}/explorer/${style}`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const head = await fetch(`${base}/explorer/${script}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000);
    expect((await fetch(`${base}/explorer/${script}`, { method: 'POST' })).status).toBe(405);
  });

  it('serves nothing outside its folder, and no hidden or missing file', async () => {
    const { request } = await import('undici');
    for (const path of ['/explorer/../package.json', '/explorer/%2e%2e/%2e%2e/package.json', '/explorer/..%2f..%2fpackage.json', '/explorer/.build-stamp', '/explorer/assets/', '/explorer/nope.js', '/explorer/assets%5c..%5c..%5cpackage.json']) {
      // undici sends the path as written (fetch would normalise the dot segments away).
      const response = await request(`${base}${path}`);
      const text = await response.body.text();
      expect(response.statusCode, path).toBe(404);
      expect(text, path).not.toContain('"name"');
    }
  });

  it('hands out no development token in production, and says so to the page', async () => {
    expect((await fetch(`${base}/explorer/dev-token?role=national_official`)).status).toBe(404);
    expect(await (await fetch(`${base}/explorer/config.json`)).json()).toEqual({ development: false, demoRoles: [], demoProvinces: [] });
  });

  it('lets officials introspect the graph (the explorer’s docs and fields), nobody else', async () => {
    const query = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
    const officials: Array<Partial<CallerTokenInput>> = [{ role: 'national_official' }, { role: 'province_official', provinces: ['79'] }];
    for (const input of officials) {
      const { status, body } = await graphql(base, await token(input), { query });
      expect(status, input.role).toBe(200);
      const province = body.data.__schema.types.find((t: { name: string }) => t.name === 'Province');
      expect(province.description).toMatch(/tỉnh \/ thành phố trực thuộc trung ương/);
    }
    for (const role of ['citizen', 'tracer'] as const) {
      const { status, body } = await graphql(base, await token({ role, provinces: ['79'] }), { query });
      expect(status, role).toBe(403);
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('refuses a partner’s query text and unknown ids with OPERATION_NOT_REGISTERED (400)', async () => {
    const partner = await token({ subject: 'partner-acme', role: 'partner', scopes: ['venues:read'] });
    const text = await graphql(base, partner, { query: '{ viewer { role } }' });
    expect(text.status).toBe(400);
    expect(text.body.errors?.[0]?.extensions?.code).toBe('OPERATION_NOT_REGISTERED');
    const unknown = await graphql(base, partner, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex('query X { viewer { role } }') } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors?.[0]).toMatchObject({ extensions: { code: 'OPERATION_NOT_REGISTERED' }, message: expect.stringMatching(/is not registered for client "partner-acme"/) });
  });
});

describe('the explorer on a development gateway', () => {
  let gateway: GatewayService;
  let base: string;
  let trustedDir: string;
  beforeAll(async () => {
    trustedDir = mkdtempSync(join(tmpdir(), 'hub-trusted-'));
    ({ gateway, base } = await gatewayAlone(false, trustedDir));
  });
  afterAll(() => gateway?.stop());

  it('hands out demo tokens for the demo roles', async () => {
    const config = (await (await fetch(`${base}/explorer/config.json`)).json()) as { development: boolean; demoRoles: string[] };
    expect(config.development).toBe(true);
    expect(config.demoRoles).toContain('province_official');

    const response = await fetch(`${base}/explorer/dev-token?role=province_official&province=79`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { token: demo } = (await response.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(demo.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ role: 'province_official', provinces: ['79'], sub: 'dev-explorer-province_official' });

    expect((await fetch(`${base}/explorer/dev-token?role=service`)).status).toBe(400);
    expect((await fetch(`${base}/explorer/dev-token?role=partner`)).status).toBe(400);
    expect((await fetch(`${base}/explorer/dev-token?role=province_official`)).status).toBe(400);
    expect((await fetch(`${base}/explorer/dev-token?role=tracer&province=7`)).status).toBe(400);
  });

  it('picks up a new partner manifest without a restart', async () => {
    const partner = await token({ subject: 'partner-new', role: 'partner' });
    const body = 'query Who { viewer { role } }';
    const request = { documentId: `sha256:${sha256Hex(body)}` };
    expect((await graphql(base, partner, request)).body.errors?.[0]?.extensions?.code).toBe('OPERATION_NOT_REGISTERED');
    writeFileSync(join(trustedDir, 'partner-new.json'), JSON.stringify(manifestOf([body])));
    // Nothing answers behind this gateway, so the registered operation fails further on, not at the gate.
    await expect
      .poll(async () => (await graphql(base, partner, request)).body.errors?.[0]?.extensions?.code, { timeout: 10_000, interval: 250 })
      .not.toBe('OPERATION_NOT_REGISTERED');
    // A broken edit keeps the manifest in force.
    writeFileSync(join(trustedDir, 'partner-new.json'), '{ broken');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await graphql(base, partner, request)).body.errors?.[0]?.extensions?.code).not.toBe('OPERATION_NOT_REGISTERED');
  });
});

describe('the built explorer', () => {
  it('loads no script, style, font or worker from another host', () => {
    const files = [join(EXPLORER_DIST, 'index.html'), ...readdirSync(join(EXPLORER_DIST, 'assets')).map((name) => join(EXPLORER_DIST, 'assets', name))];
    const loads: string[] = [];
    for (const file of files.filter((f) => /\.(html|css|js)$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      const patterns = [
        /<(?:script|link|img|iframe)[^>]+(?:src|href)=["']((?:https?:)?\/\/[^"']+)/gi, // HTML loads
        /url\(\s*["']?((?:https?:)?\/\/[^"')]+)/gi, // CSS url(), fonts included
        /@import\s+(?:url\()?["']?((?:https?:)?\/\/[^"')]+)/gi,
        /(?:importScripts|import|new\s+(?:Shared)?Worker|fetch)\(\s*["'`]((?:https?:)?\/\/[^"'`]+)/gi, // JS loads
      ];
      for (const pattern of patterns) for (const match of text.matchAll(pattern)) loads.push(`${file}: ${match[1]}`);
    }
    expect(loads).toEqual([]);
  });
});
