import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { signInternalToken } from '../../subgraphs/shared/identity.ts';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { defaultSubgraphUrl, schemaFile, SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/catalog.ts';
import { startTestHub, TEST_SECRETS, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

describe('gateway: identity plumbing, health, supergraph reload', () => {
  let hub: TestHub;
  let supergraphPath: string;

  beforeAll(async () => {
    // A copy the test may rewrite, to see the gateway pick up a new supergraph without a restart.
    supergraphPath = join(mkdtempSync(join(tmpdir(), 'hub-supergraph-')), 'supergraph.graphql');
    copyFileSync(SUPERGRAPH_FILE, supergraphPath);
    hub = await startTestHub({ supergraphPath, seedDemo: false });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('refuses a request without a token, with a stable code and no stack trace', async () => {
    const response = await hub.query('{ provinces { code } }', {}, { token: null });
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(JSON.stringify(response)).not.toContain('stacktrace');
  });

  itWithPostgres('refuses a token signed with another key', async () => {
    const { signCallerToken } = await import('../../subgraphs/shared/identity.ts');
    const forged = await signCallerToken('z'.repeat(40), { subject: 'mallory', role: 'national_official' });
    const response = await hub.query('{ viewer { role } }', {}, { token: forged });
    expect(response.status).toBe(401);
  });

  itWithPostgres('passes the caller identity to subgraphs and ignores an internal header sent by the client', async () => {
    const citizen = await hub.token({ subject: 'citizen-1', role: 'citizen' });
    const forgedInternal = await signInternalToken(TEST_SECRETS.internalToken, {
      subject: 'mallory', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: null,
    });
    const response = await hub.query('{ viewer { subject role nationwide } }', {}, { token: citizen, headers: { 'x-hub-internal-token': forgedInternal } });
    expect(response.data.viewer).toEqual({ subject: 'citizen-1', role: 'citizen', nationwide: false });
  });

  itWithPostgres('subgraphs refuse any request that did not come through the gateway', async () => {
    const units = hub.hub.subgraphs.find((s) => s.name === 'units')!;
    for (const query of ['{ _service { sdl } }', '{ _entities(representations: [{ __typename: "Province", code: "79" }]) { ... on Province { name } } }']) {
      const response = await fetch(units.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
    // A caller token is not an internal token, even when sent in the internal header.
    const callerToken = await hub.token();
    const response = await fetch(units.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-internal-token': callerToken },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(response.status).toBe(401);
  });

  itWithPostgres('answers /health and /ready with the state of every subgraph and province', async () => {
    const base = hub.url.replace('/graphql', '');
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const ready = (await (await fetch(`${base}/ready`)).json()) as { ready: boolean; subgraphs: Record<string, string>; provinces: Record<string, string> };
    expect(ready.ready).toBe(true);
    expect(ready.subgraphs).toEqual({ units: 'up', declarations: 'up', checkins: 'up', tracing: 'up', testing: 'up', vaccination: 'up', analytics: 'up' });
    expect(ready.provinces).toEqual({ '01': 'up', '24': 'up', '79': 'up' });
  });

  itWithPostgres('refuses an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token()}` },
      body: JSON.stringify({ query: `{ provinces { code } }`, variables: { padding: 'x'.repeat(1_100_000) } }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  itWithPostgres('reloads the supergraph when the file changes, without a restart', async () => {
    // Serve a supergraph in which units has no `viewer` field, then put the full one back.
    const withoutViewer = composeWith('units', (sdl) => sdl.replace(/  "Who the hub thinks you are."\n  viewer: Viewer[^\n]*\n/, ''));
    writeFileSync(supergraphPath, withoutViewer);
    await expect.poll(async () => (await hub.query('{ viewer { role } }')).errors?.[0]?.message, { timeout: 10_000, interval: 200 }).toMatch(/Cannot query field "viewer"/);
    copyFileSync(SUPERGRAPH_FILE, supergraphPath);
    await expect.poll(async () => (await hub.query('{ viewer { role } }')).data?.viewer?.role, { timeout: 10_000, interval: 200 }).toBe('national_official');
  });

  itWithPostgres('keeps serving the previous supergraph when the new file is not valid', async () => {
    writeFileSync(supergraphPath, 'this is not a supergraph');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await hub.query('{ viewer { role } }')).data?.viewer?.role).toBe('national_official');
    copyFileSync(SUPERGRAPH_FILE, supergraphPath);
  });
});

/** The supergraph composed with one subgraph's SDL edited. */
function composeWith(name: SubgraphName, edit: (sdl: string) => string): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((n) => {
      const sdl = readFileSync(schemaFile(n), 'utf8');
      return { name: n, url: defaultSubgraphUrl(n), typeDefs: parse(n === name ? edit(sdl) : sdl) };
    }),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}
