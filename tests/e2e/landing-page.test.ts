import { afterAll, beforeAll, describe, expect } from 'vitest';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../../subgraphs/shared/identity.ts';
import { startTestHub, TEST_SECRETS, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

// Issue 12, hole 5: a browser that opens /graphql gets no page that loads anything from another
// host (Apollo Server's landing page loads scripts and fonts from Apollo's CDN and Google Fonts).

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

async function browserGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; location: string | null; body: string }> {
  const response = await fetch(url, { headers: { accept: BROWSER_ACCEPT, ...headers }, redirect: 'manual' });
  return { status: response.status, type: response.headers.get('content-type') ?? '', location: response.headers.get('location'), body: await response.text() };
}

/** No HTML, and nothing that names a host: what a closed network needs of a GraphQL URL. */
function expectNoPage(answer: { type: string; body: string }): void {
  expect(answer.type).not.toContain('html');
  expect(answer.body).not.toMatch(/<html|<script|https?:\/\//i);
}

describe('GET /graphql from a browser', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ seedDemo: false, tracingWorkers: false });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('the gateway sends a browser to /explorer/, with and without a token', async () => {
    for (const headers of [{}, { authorization: `Bearer ${await hub.token()}` }] as Array<Record<string, string>>) {
      const answer = await browserGet(hub.url, headers);
      expect(answer.status).toBe(303);
      expect(answer.location).toBe('/explorer/');
      expectNoPage(answer);
    }
    // A GraphQL client's GET is still a GraphQL request.
    const query = await fetch(`${hub.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', authorization: `Bearer ${await hub.token()}`, 'apollo-require-preflight': 'true' },
    });
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
  });

  itWithPostgres("a subgraph's /graphql serves no page either, even with the gateway's internal token", async () => {
    const internal = await signInternalToken(TEST_SECRETS.internalToken, { subject: 'test', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: null });
    for (const subgraph of hub.hub.subgraphs.filter((s) => s.name === 'units' || s.provinceCode === '79')) {
      for (const headers of [{}, { [INTERNAL_TOKEN_HEADER]: internal }] as Array<Record<string, string>>) expectNoPage(await browserGet(subgraph.url, headers));
    }
  });
});
