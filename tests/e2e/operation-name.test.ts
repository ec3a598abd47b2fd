import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

/**
 * Found by the fuzzer (npm run fuzz, issue 18): an operationName the document does not hold was
 * answered HTTP 500 INTERNAL_SERVER_ERROR. It is the caller's mistake: 400 BAD_REQUEST.
 */
describe('an operation name the document does not resolve', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ tracingWorkers: false, production: true });
  });
  afterAll(() => hub?.stop());

  const post = async (body: Record<string, unknown>) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token({ role: 'national_official' })}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
  };

  itWithPostgres('an unknown name: 400 BAD_REQUEST naming it, no data', async () => {
    const answer = await post({ query: 'query Provinces { provinces { code } }', operationName: 'Nope' });
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toMatchObject([{ message: 'Unknown operation named "Nope".', extensions: { code: 'BAD_REQUEST' } }]);
  });

  itWithPostgres('several operations and no name: 400 BAD_REQUEST', async () => {
    const answer = await post({ query: 'query A { provinces { code } } query B { provinces { name } }' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_REQUEST']);
  });

  itWithPostgres('the right name still runs', async () => {
    const answer = await post({ query: 'query A { provinces { code } } query B { provinces { name } }', operationName: 'B' });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });
});
