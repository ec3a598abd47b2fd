import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { LIMIT_DEFAULTS } from '../../subgraphs/shared/env.ts';
import { startTestHub, type GraphQLResponse, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

// Issue 5, item 6: operation limits at the gateway, through a real hub. Every refusal is followed
// by an ordinary query on the same hub, which must still be answered.

const NORMAL = '{ viewer { role } provinces { code name } }';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every message a limit produced in this file, checked at the end for the configured numbers. */
const limitMessages: string[] = [];

async function normalQueryWorks(hub: TestHub): Promise<void> {
  const response = await hub.query(NORMAL);
  expect(response.status).toBe(200);
  expect(response.errors).toBeUndefined();
  expect(response.data.viewer.role).toBe('national_official');
  expect(response.data.provinces.length).toBeGreaterThan(0);
}

function expectLimitRefusal(response: GraphQLResponse, limit: string, code = 'GRAPHQL_VALIDATION_FAILED'): string {
  expect(response.status).toBe(400);
  expect(response.data).toBeUndefined();
  // One error: the limit stops validation before graphql-js' own rules run.
  expect(response.errors).toHaveLength(1);
  const [error] = response.errors!;
  expect(error!.extensions).toMatchObject({ code, limit });
  expect(JSON.stringify(response.errors)).not.toContain('stacktrace');
  limitMessages.push(error!.message);
  return error!.message;
}

async function post(hub: TestHub, body: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(hub.url, { method: 'POST', headers: { authorization: `Bearer ${await hub.token()}`, ...headers }, body });
  return { status: response.status, body: await response.json() };
}

describe('gateway operation limits', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ seedDemo: false });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('refuses a depth bomb', async () => {
    const bomb = `{ provinces { ${'wards { province { '.repeat(8)}code${' } }'.repeat(8)} } }`;
    expect(expectLimitRefusal(await hub.query(bomb), 'depth')).toMatch(/nested too deeply/);
    // Eleven levels are fine.
    const ok = await hub.query(`{ provinces { ${'wards { province { '.repeat(4)}code${' } }'.repeat(4)} } }`, undefined, {});
    expect(ok.errors?.find((e) => e.extensions?.limit === 'depth')).toBeUndefined();
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses 101 aliases of __typename (no allow-list for it)', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `t${i}: __typename`).join(' ');
    expect(expectLimitRefusal(await hub.query(`{ ${aliases} }`), 'aliases')).toMatch(/too many aliases/);
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses 10 copies of one directive', async () => {
    const response = await hub.query(`{ viewer ${'@include(if: true) '.repeat(10)}{ role } }`);
    // Only the limit: graphql-js' "directive can only be used once" never ran.
    expect(expectLimitRefusal(response, 'directives')).toMatch(/too many directives/);
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses 1,000 duplicate fields quickly', async () => {
    const started = Date.now();
    const response = await hub.query(`{ provinces { ${'code '.repeat(1000)}} }`);
    expect(expectLimitRefusal(response, 'fieldRepeats')).toMatch(/repeats the same field/);
    expect(Date.now() - started).toBeLessThan(2_000);
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses circular fragments with a clean error and nothing else', async () => {
    const query = `{ provinces { ...Alpha } } fragment Alpha on Province { wards { province { ...Beta } } } fragment Beta on Province { ${'code '.repeat(100)} ...Alpha }`;
    const response = await hub.query(query);
    expect(response.status).toBe(400);
    // Only the cycle, though the fragments also repeat a field 100 times.
    expect(response.errors).toEqual([
      expect.objectContaining({ message: 'Cannot spread fragment "Alpha" within itself via "Beta".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    ]);
    limitMessages.push(response.errors![0]!.message);
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses a document with too many tokens while parsing it', async () => {
    const response = await hub.query(`{ viewer { role } ${'__typename '.repeat(LIMIT_DEFAULTS.maxTokens)}}`);
    expect(expectLimitRefusal(response, 'tokens', 'GRAPHQL_PARSE_FAILED')).toMatch(/too many tokens/);
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses an operation over the cost limit, counting list sizes from variables', async () => {
    const query = 'query Cases($n: Int) { cases(limit: $n) { id person { fullName } } }';
    expect(expectLimitRefusal(await hub.query(query, { n: 100_000 }), 'cost')).toMatch(/too much data/);
    const small = await hub.query(query, { n: 5 });
    expect(small.status).toBe(200);
    expect(small.errors).toBeUndefined();
    // Lists of ten (no limit argument) nested four deep: 10^4 wards, well within the depth limit.
    const nested = `{ provinces { wards { province { wards { province { wards { province { wards { code } } } } } } } } }`;
    expectLimitRefusal(await hub.query(nested), 'cost');
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses an array batch with 400 and a clear error', async () => {
    const batch = await post(hub, JSON.stringify([{ query: NORMAL }, { query: NORMAL }]), { 'content-type': 'application/json' });
    expect(batch.status).toBe(400);
    expect(batch.body.errors[0]).toMatchObject({ message: 'Operation batching disabled.', extensions: { code: 'BAD_REQUEST' } });
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses a form-encoded or text/plain POST (CSRF prevention)', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const body = type === 'text/plain' ? JSON.stringify({ query: NORMAL }) : `query=${encodeURIComponent(NORMAL)}`;
      const response = await post(hub, body, { 'content-type': type });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
      expect(response.body.data).toBeUndefined();
    }
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses a mutation over GET, and a GET without a preflight header', async () => {
    const get = async (query: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${hub.url}?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${await hub.token()}`, ...headers } });
      return { status: response.status, allow: response.headers.get('allow'), body: (await response.json()) as any };
    };
    const mutation = 'mutation { __typename }';
    const refused = await get(mutation, { 'apollo-require-preflight': 'true' });
    expect(refused.status).toBe(405);
    expect(refused.allow).toBe('POST');
    expect(refused.body.errors[0].message).toMatch(/GET requests only support query operations/);
    const simple = await get(mutation);
    expect(simple.status).toBe(400);
    expect(simple.body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    // A query over GET with the preflight header is fine.
    const query = await get('{ viewer { role } }', { 'apollo-require-preflight': 'true' });
    expect(query.status).toBe(200);
    expect(query.body.data.viewer.role).toBe('national_official');
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses a 2 MB body with 413', async () => {
    const response = await post(hub, JSON.stringify({ query: NORMAL, variables: { padding: 'x'.repeat(2_000_000) } }), { 'content-type': 'application/json' });
    expect(response.status).toBe(413);
    expect(response.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    await normalQueryWorks(hub);
  });

  itWithPostgres('in development, suggests field names and lets any caller introspect', async () => {
    const typo = await hub.query('{ provinces { nam } }');
    expect(typo.errors?.[0]?.message).toContain('Did you mean "name"?');
    const citizen = await hub.token({ subject: 'citizen-1', role: 'citizen' });
    const introspection = await hub.query('{ __schema { queryType { name } } }', {}, { token: citizen });
    expect(introspection.data.__schema.queryType.name).toBe('Query');
  });
});

describe('gateway in production mode', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ seedDemo: false, production: true });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('has no field, argument or enum suggestions', async () => {
    const typo = await hub.query('{ provinces { nam } }');
    expect(typo.status).toBe(400);
    expect(typo.errors?.[0]?.message).toBe('Cannot query field "nam" on type "Province".');
    const argument = await hub.query('{ cases(limt: 3) { id } }');
    expect(argument.errors?.[0]?.message).toBe('Unknown argument "limt" on field "Query.cases".');
    const enumValue = await hub.query('query($s: TracingTaskStatus) { province(code: "79") { tracingTasks(status: $s) { id } } }', { s: 'CLOSD' });
    expect(enumValue.errors?.length).toBeGreaterThan(0);
    for (const response of [typo, argument, enumValue]) {
      expect(JSON.stringify(response.errors)).not.toMatch(/Did you mean|stacktrace/);
    }
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses introspection to a citizen, allows it to officials', async () => {
    const citizen = await hub.token({ subject: 'citizen-1', role: 'citizen' });
    for (const query of [
      '{ __schema { queryType { name } } }',
      '{ t: __type(name: "Province") { name } }',
      '{ ...I } fragment I on Query { __schema { types { name } } }',
    ]) {
      const refused = await hub.query(query, {}, { token: citizen });
      expect(refused.status).toBe(403);
      expect(refused.data).toBeUndefined();
      expect(refused.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    }
    // __typename is not introspection.
    expect((await hub.query('{ __typename }', {}, { token: citizen })).data).toEqual({ __typename: 'Query' });

    const national = await hub.query('{ __schema { queryType { name } } }');
    expect(national.data.__schema.queryType.name).toBe('Query');
    const province = await hub.token({ subject: 'official-79', role: 'province_official', provinces: ['79'] });
    const allowed = await hub.query('{ __type(name: "Province") { name } }', {}, { token: province });
    expect(allowed.data.__type.name).toBe('Province');
    await normalQueryWorks(hub);
  });

  itWithPostgres('refuses limits the same way, with no numbers in the messages', async () => {
    expectLimitRefusal(await hub.query(`{ ${Array.from({ length: 101 }, (_, i) => `t${i}: __typename`).join(' ')} }`), 'aliases');
    expectLimitRefusal(await hub.query(`{ viewer { role } ${'__typename '.repeat(LIMIT_DEFAULTS.maxTokens)}}`), 'tokens', 'GRAPHQL_PARSE_FAILED');
    await normalQueryWorks(hub);
  });
});

describe('gateway in production mode: a subgraph that fails', () => {
  let hub: TestHub;
  const log: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void log.push(JSON.parse(line) as Record<string, unknown>) });
    hub = await startTestHub({ seedDemo: false, production: true, logger });
  });
  afterAll(() => hub?.stop());

  itWithPostgres("masks the error to a code, a request id and the subgraph's name; the details go to the log", async () => {
    const units = hub.hub.subgraphs.find((s) => s.name === 'units' && !s.provinceCode)!;
    await hub.hub.stopSubgraph('units');
    const response = await hub.query('{ provinces { code name } }');
    expect(response.data).toEqual({ provinces: null });
    expect(response.errors).toHaveLength(1);
    const [error] = response.errors!;
    expect(error!.message).toBe('A service of the hub is unavailable; the rest of the answer is complete.');
    expect(Object.keys(error!.extensions!).sort()).toEqual(['code', 'requestId', 'subgraph']);
    expect(error!.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'units' });
    expect(error!.extensions!.requestId).toMatch(UUID);
    const text = JSON.stringify(response);
    for (const secret of [units.url, new URL(units.url).host, 'ECONNREFUSED', 'stacktrace', 'serviceName']) expect(text).not.toContain(secret);

    // The log has what the caller does not, under the same request id.
    const entry = log.find((line) => line.requestId === error!.extensions!.requestId);
    expect(entry).toBeDefined();
    expect(JSON.stringify(entry)).toMatch(/units|ECONNREFUSED|fetch failed/);

    // The rest of the graph still answers.
    const tracing = await hub.query('{ contactRules { name } }');
    expect(tracing.status).toBe(200);
    expect(tracing.errors).toBeUndefined();
  });
});

describe('limit messages', () => {
  itWithPostgres('never contain the configured numbers', () => {
    expect(limitMessages.length).toBeGreaterThanOrEqual(10);
    for (const message of limitMessages) {
      expect(message).not.toMatch(/\d/);
      for (const value of Object.values(LIMIT_DEFAULTS)) expect(message).not.toContain(String(value));
    }
  });
});
