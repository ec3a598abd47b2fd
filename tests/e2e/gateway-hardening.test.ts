import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { startTestHub, type GraphQLResponse, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

// Issue 12: regression tests for refusals that held without a test.

const AN = DEMO_PEOPLE.an;

/** POSTs a body of `size` bytes in chunks, without Content-Length; resolves with the status and body of the answer. */
function postChunked(url: string, token: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', authorization: `Bearer ${token}` } });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The gateway answers and closes while the body is still coming: a broken pipe is expected.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    const chunk = Buffer.alloc(16_384, ' ');
    req.write('{"query":"{ provinces { code } }","variables":{"padding":"');
    let sent = 0;
    const pump = () => {
      while (sent < size && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end('"}}');
    };
    pump();
  });
}

describe('gateway refusals', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ tracingWorkers: false, maxBodyBytes: 100_000 });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('a chunked body without Content-Length over the body limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const answer = await postChunked(hub.url, await hub.token(), 400_000);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    // Under the limit, the same way of sending is answered.
    const small = await postChunked(hub.url, await hub.token(), 16_384);
    expect(small.status).toBe(200);
    expect((JSON.parse(small.body) as { data: { provinces: unknown[] } }).data.provinces).toHaveLength(34);
  });

  itWithPostgres('_service and _entities sent through the gateway are refused (not in its schema)', async () => {
    for (const [query, variables] of [
      ['{ _service { sdl } }', {}],
      [`{ _entities(representations: [{ __typename: "Person", id: "${AN.id}" }]) { ... on Person { fullName phone } } }`, {}],
      ['query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fullName phone } } }', { r: [{ __typename: 'Person', id: AN.id }] }],
    ] as const) {
      const response: GraphQLResponse = await hub.query(query, variables);
      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(response.errors?.length).toBeGreaterThan(0);
      for (const error of response.errors!) expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const text = JSON.stringify(response);
      for (const leaked of [AN.fullName, AN.phone, '@key', 'extend schema']) expect(text).not.toContain(leaked);
    }
  });
});

describe('gateway in production mode: a resolver that throws, a statement that fails', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ tracingWorkers: false, production: true });
  });
  afterAll(() => hub?.stop());

  function expectOnlyCodeAndRequestId(response: GraphQLResponse, path: string[], secrets: string[]): void {
    expect(response.errors).toHaveLength(1);
    const [error] = response.errors!;
    expect(error!.path).toEqual(path);
    expect(error!.message).toBe('Internal server error');
    expect(Object.keys(error!.extensions!).sort()).toEqual(['code', 'requestId']);
    expect(error!.extensions!.code).toBe('INTERNAL_SERVER_ERROR');
    const text = JSON.stringify(response);
    for (const secret of [...secrets, 'stacktrace', 'serviceName', 'tracing', 'declarations']) expect(text).not.toContain(secret);
  }

  itWithPostgres('a failing SQL statement: the error carries only code and requestId', async () => {
    const sql = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!.database.sql;
    await sql`alter table contact_rules rename to contact_rules_away`;
    try {
      const response = await hub.query('{ contactRules { name } }');
      expect(response.data?.contactRules ?? null).toBeNull();
      expectOnlyCodeAndRequestId(response, ['contactRules'], ['contact_rules', 'relation', 'does not exist']);
    } finally {
      await sql`alter table contact_rules_away rename to contact_rules`;
    }
    expect((await hub.query('{ contactRules { name } }')).errors).toBeUndefined();
  });

  // Issue 18's fuzzer (npm run fuzz -- --seed 7: cases 124 and 600) found these answered INTERNAL_SERVER_ERROR.
  itWithPostgres('a DateTime literal that is no instant, inside an input object: BAD_USER_INPUT, not an internal error', async () => {
    const response = await hub.query(`{ firstContactsOf(people: [{ personId: "${AN.id}", from: "${'x'.repeat(70_000)}" }]) { __typename } }`);
    expect(response.data).toEqual({ firstContactsOf: null });
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(response.errors![0]!.message).toContain('DateTime must be an RFC 3339 string');
    // A real instant is answered.
    expect((await hub.query(`{ firstContactsOf(people: [{ personId: "${AN.id}", from: "2025-07-01T00:00:00Z" }]) { __typename } }`)).errors).toBeUndefined();
  });

  itWithPostgres('the NUL character in an argument (a literal or a variable): BAD_USER_INPUT, not an internal error', async () => {
    for (const response of [await hub.query('{ ward(code: "\\u0000") { name } }'), await hub.query('query($code: ID!) { ward(code: $code) { name } }', { code: 'a\u0000b' })]) {
      expect(response.data).toEqual({ ward: null });
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(response.errors![0]!.message).toBe('Text must not contain the NUL character (U+0000).');
    }
    expect((await hub.query('{ ward(code: "00004") { name } }')).data?.ward).toEqual({ name: expect.any(String) });
  });

  itWithPostgres('a resolver that throws (its database client is gone): the error carries only code and requestId', async () => {
    // Last in this file: the declarations subgraph keeps no database client after this.
    await hub.hub.subgraphs.find((s) => s.name === 'declarations' && !s.provinceCode)!.database.close();
    const response = await hub.query('query($id: ID!) { person(id: $id) { fullName } }', { id: AN.id });
    expect(response.data).toEqual({ person: null });
    expectOnlyCodeAndRequestId(response, ['person'], ['CONNECTION', AN.fullName]);
  });
});
