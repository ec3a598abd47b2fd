import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * The explorer in a real browser: Debian's Chromium (`apt-get install chromium`; .ci/run installs
 * it), driven by playwright-core, against the whole hub in this process. Chromium runs with its
 * background networking off, so every request it makes is the page's own, and the test fails if
 * any of them leaves this machine.
 */
const CHROMIUM = '/usr/bin/chromium';
// eslint-disable-next-line no-process-env -- the switch that turns a skip into a failure in CI
const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !REQUIRE_SERVICES) console.warn(`[tests] NOTICE: skipping browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);
const runs = (hasChromium || REQUIRE_SERVICES) && (Boolean(inject('postgresUrl')) || REQUIRE_SERVICES);

/** An editor's visible text, whitespace collapsed (Monaco renders spaces as no-break spaces). */
async function textOf(editor: Locator): Promise<string> {
  return (await editor.innerText()).replace(/\s+/g, ' ');
}

const OUTPUT = join(import.meta.dirname, '..', 'output');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

describe.skipIf(!runs)('the explorer in Chromium', () => {
  let hub: TestHub;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`REQUIRE_SERVICES=1 but ${CHROMIUM} is missing: apt-get install -y chromium`);
    hub = await startTestHub();
    profile = mkdtempSync(join(tmpdir(), 'hub-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-default-apps',
        '--disable-extensions',
        '--disable-domain-reliability',
        '--metrics-recording-only',
        '--no-pings',
      ],
    });
    context.on('request', (request) => requests.push(request.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    mkdirSync(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await hub?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('signs in with a pasted token, builds a query by ticking fields, runs it and shows the result', async () => {
    const base = hub.url.replace(/\/graphql$/, '');
    await page.goto(`${base}/explorer`);
    expect(page.url()).toBe(`${base}/explorer/`);

    await page.getByLabel('Paste your access token').fill(await hub.token({ subject: 'official-1', role: 'national_official' }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent(), { timeout: 15_000 }).toContain('official-1 · national_official · nationwide');

    // The explorer pane lists the root fields once GraphiQL has introspected the graph.
    const row = page.locator('.graphiql-explorer-node.graphiql-explorer-provinces [data-field-name="provinces"]').first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    // graphiql-explorer: once a field is ticked, a wrapper holds its row and its subfields' rows.
    const provinces = page.locator('div.graphiql-explorer-provinces:not(.graphiql-explorer-node)').first();
    await provinces.locator('[data-field-name="code"]').first().click();
    await provinces.locator('[data-field-name="name"]').first().click();
    const editor = page.locator('.graphiql-query-editor .view-lines');
    await expect.poll(() => textOf(editor), { timeout: 10_000 }).toMatch(/provinces \{ code name \}/);

    const answer = page.waitForResponse((response) => response.url().endsWith('/graphql') && (response.request().postData() ?? '').includes('provinces'));
    await page.locator('.graphiql-execute-button').click();
    const body = (await (await answer).json()) as { data: { provinces: Array<{ code: string; name: string }> } };
    expect(body.data.provinces).toHaveLength(34);
    expect(body.data.provinces[0]).toEqual({ code: '01', name: 'Thành phố Hà Nội' });
    const response = page.locator('.graphiql-response .view-lines');
    await expect.poll(() => textOf(response), { timeout: 10_000 }).toContain('"name": "Thành phố Hà Nội"');

    await page.screenshot({ path: join(OUTPUT, 'explorer.png') });
    expect(pageErrors).toEqual([]);
  });

  it('in development, signs in with a demo role and opens a saved example for officials', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('select[name="role"]').selectOption('province_official');
    await page.locator('select[name="province"]').selectOption('79');
    await page.getByRole('button', { name: 'Use demo role' }).click();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent(), { timeout: 15_000 }).toContain('province_official · provinces 79');

    await page.getByRole('button', { name: 'Examples' }).click();
    await page.getByRole('button', { name: /Free quarantine beds nationwide/ }).click();
    const editor = page.locator('.graphiql-query-editor .view-lines');
    await expect.poll(() => textOf(editor), { timeout: 10_000 }).toContain('quarantineFacilities(withFreeBeds: true)');
    const answer = page.waitForResponse((response) => response.url().endsWith('/graphql') && (response.request().postData() ?? '').includes('FreeQuarantineBeds'));
    await page.locator('.graphiql-execute-button').click();
    const body = (await (await answer).json()) as { data: { provinces: Array<{ code: string; quarantineFacilities: Array<{ freeBeds: number }> | null }> }; errors?: unknown };
    expect(body.data, JSON.stringify(body).slice(0, 500)).toBeTruthy();
    const hcmc = body.data.provinces.find((p) => p.code === '79');
    expect(hcmc?.quarantineFacilities?.length).toBeGreaterThan(0);
    expect(hcmc?.quarantineFacilities?.every((f) => f.freeBeds > 0)).toBe(true);
    await page.screenshot({ path: join(OUTPUT, 'explorer-example.png') });
    expect(pageErrors).toEqual([]);
  });

  it('made no request that left this machine', () => {
    expect(requests.length).toBeGreaterThan(5);
    // The editor's language workers were loaded, from the gateway.
    expect(requests.some((url) => /\/explorer\/assets\/[^/]*worker[^/]*\.js$/.test(url))).toBe(true);
    const outside = requests.filter((url) => {
      const { protocol, hostname } = new URL(url);
      if (protocol === 'data:' || protocol === 'blob:') return false;
      return !LOCAL_HOSTS.has(hostname);
    });
    expect(outside).toEqual([]);
  });
});
