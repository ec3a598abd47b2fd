import type { BaseContext } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { hubError } from '../../subgraphs/shared/errors.ts';
import type { RequestHooks } from '../../subgraphs/shared/executor.ts';
import { INTERNAL_TOKEN_HEADER, signInternalToken, type Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { DateTime } from '../../subgraphs/shared/scalars.ts';
import { buildSubgraphService, EVERY_FIELD, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { parse } from 'graphql';

/**
 * A subgraph's GraphQL over HTTP (subgraphs/shared/executor.ts, behind subgraphs/shared/http.ts):
 * what the gateway sends is answered; anything else is refused with the code Apollo Server gave
 * it before (the gateway and partners' tooling read those codes); errors pass through the
 * subgraph's masking; hooks run in order and may withhold an answer.
 */
const SECRET = 's'.repeat(40);
const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  scalar DateTime
  type Ward @key(fields: "code") { code: ID! name: String! }
  type Clinic @key(fields: "id") { id: ID! name: String! }
  type Site @key(fields: "id") { id: ID! name: String! phone: String }
  type Query { ward(code: ID!): Ward at(when: DateTime!): DateTime broken: String refused: String }
  type Mutation { rename(code: ID!, name: String!): Ward }
`);
const wards = new Map([['26740', { code: '26740', name: 'Phường Sài Gòn' }]]);
const resolvers = {
  DateTime,
  Query: {
    ward: (_: unknown, { code }: { code: string }) => wards.get(code) ?? null,
    at: (_: unknown, { when }: { when: Date }) => when,
    broken: () => {
      throw new Error('select * from people where national_id = 0123456789');
    },
    refused: () => {
      throw hubError('FORBIDDEN', 'Not yours.');
    },
  },
  Mutation: { rename: (_: unknown, { code, name }: { code: string; name: string }) => ({ ...wards.get(code)!, name }) },
  Ward: { __resolveReference: (ref: { code: string }) => (ref.code === 'broken' ? Promise.reject(new Error('lost')) : (wards.get(ref.code) ?? null)) },
  Clinic: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: 'Trạm y tế' }) },
  Site: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: 'Điểm xét nghiệm', phone: '028 3' }) },
};

describe('a subgraph answers the gateway, and refuses what it does not understand', () => {
  const order: string[] = [];
  let withhold = false;
  const hooks: RequestHooks<BaseContext>[] = [
    { didResolveOperation: (_, name) => void order.push(`resolved ${name}`), willSendResponse: async () => void order.push('first') },
    {
      willSendResponse: async (_, result) => {
        order.push('second');
        return withhold ? { errors: [{ message: 'withheld', extensions: { code: 'AUDIT_UNAVAILABLE' } }] } : result;
      },
    },
  ];
  const definition: SubgraphDefinition<BaseContext> = {
    name: 'toy',
    typeDefs,
    resolvers: resolvers as never,
    createContext: () => ({}),
    hooks,
    publicEntities: { types: { Ward: EVERY_FIELD, Site: ['id', 'name'] }, maxAgeSeconds: 60 },
  };
  let service: SubgraphService;
  let url: string;
  let token: string;

  beforeAll(async () => {
    service = await buildSubgraphService(definition, { internalTokenSecret: SECRET, logger: createLogger('test', 'silent') });
    url = `${await service.listen(0)}/graphql`;
    token = await signInternalToken(SECRET, { subject: 'gateway', role: 'service', jurisdiction: 'all' } as Identity);
  });
  afterAll(async () => {
    await service?.stop();
  });

  async function post(body: unknown, headers: Record<string, string> = {}) {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.statusCode, type: response.headers['content-type'], cacheControl: response.headers['cache-control'], body: (await response.body.json()) as { data?: any; errors?: Array<{ message: string; extensions: { code: string } }> } };
  }
  const codes = (body: { errors?: Array<{ extensions: { code: string } }> }) => body.errors?.map((e) => e.extensions.code);

  it('answers a query, an entity look-up and a mutation, as JSON', async () => {
    const query = await post({ query: 'query Card($c: ID!) { ward(code: $c) { name } }', variables: { c: '26740' }, operationName: 'Card' });
    expect(query).toMatchObject({ status: 200, body: { data: { ward: { name: 'Phường Sài Gòn' } } } });
    expect(query.type).toMatch(/^application\/json/);
    const entities = await post({ query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Ward { name } } }', variables: { r: [{ __typename: 'Ward', code: '26740' }] } });
    expect(entities.body).toEqual({ data: { _entities: [{ name: 'Phường Sài Gòn' }] } });
    const mutation = await post({ query: 'mutation { rename(code: "26740", name: "Sài Gòn") { name } }' });
    expect(mutation.body).toEqual({ data: { rename: { name: 'Sài Gòn' } } });
  });

  it('says an answer may be kept only when it resolves nothing but public entities, without error', async () => {
    const entities = (r: unknown[], selection = '... on Ward { name }') => post({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`, variables: { r } });
    const ward = { __typename: 'Ward', code: '26740' };
    const publicWard = await entities([ward, { __typename: 'Ward', code: '00000' }]);
    expect(publicWard.body).toEqual({ data: { _entities: [{ name: 'Phường Sài Gòn' }, null] } });
    expect(publicWard.cacheControl).toBe('public, max-age=60');
    const site = { __typename: 'Site', id: 's1' };
    const publicSite = await entities([site, ward], '... on Site { __typename id name } ... on Ward { name }');
    expect(publicSite.body).toEqual({ data: { _entities: [{ __typename: 'Site', id: 's1', name: 'Điểm xét nghiệm' }, { name: 'Phường Sài Gòn' }] } });
    expect(publicSite.cacheControl).toBe('public, max-age=60');
    // A type the subgraph did not declare public, even beside a public one; a field not declared
    // public; a named fragment; an answer with an error;
    // a root field (the same ward); an aliased `_entities`; a mutation.
    const notKept = [
      await entities([ward, { __typename: 'Clinic', id: 'c1' }], '... on Ward { name } ... on Clinic { name }'),
      await entities([site], '... on Site { name phone }'),
      await post({ query: 'query($r: [_Any!]!) { _entities(representations: $r) { ...S } } fragment S on Site { name }', variables: { r: [site] } }),
      await entities([{ __typename: 'Ward', code: 'broken' }]),
      await post({ query: '{ ward(code: "26740") { name } }' }),
      await post({ query: 'query($r: [_Any!]!) { wards: _entities(representations: $r) { ... on Ward { name } } }', variables: { r: [ward] } }),
      await post({ query: 'mutation { rename(code: "26740", name: "Sài Gòn") { name } }' }),
      await post({ query: '{ ward(code: "26740") { name }' }),
    ];
    expect(notKept.map((answer) => answer.cacheControl)).toEqual(Array(notKept.length).fill('no-store'));
    expect(notKept.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 400]);
  });

  it('refuses a request without the internal token before reading it', async () => {
    const refused = await post({ query: '{ ward(code: "26740") { name } }' }, { [INTERNAL_TOKEN_HEADER]: 'forged' });
    expect(refused.status).toBe(401);
    expect(refused.body.data).toBeUndefined();
  });

  it('refuses malformed requests with 400 and the code Apollo Server gave them', async () => {
    const cases: Array<[unknown, string]> = [
      [{ query: '{ ward(code: "26740") { name }' }, 'GRAPHQL_PARSE_FAILED'],
      [{ query: '{ ward(code: "26740") { population } }' }, 'GRAPHQL_VALIDATION_FAILED'],
      [{ query: 'query A { broken } query B { broken }' }, 'OPERATION_RESOLUTION_FAILURE'],
      [{ query: 'query A { broken }', operationName: 'C' }, 'OPERATION_RESOLUTION_FAILURE'],
      [{ variables: {} }, 'BAD_REQUEST'],
      [[{ query: '{ broken }' }], 'BAD_REQUEST'], // batches are not served
      [{ query: '{ broken }', variables: [1] }, 'BAD_REQUEST'],
      [{ query: '{ broken }', operationName: 7 }, 'BAD_REQUEST'],
      [{ query: '{ broken }', http: {} }, 'BAD_REQUEST'], // an unknown field is refused, not ignored
      [{ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }, 'BAD_REQUEST'],
      [{ query: '{ broken }', extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }, 'BAD_REQUEST'],
    ];
    for (const [body, code] of cases) {
      const answer = await post(body);
      expect({ body, status: answer.status, codes: codes(answer.body), data: answer.body.data }).toEqual({ body, status: 400, codes: [code], data: undefined });
    }
  });

  it('refuses a GET (405) and a POST that is not JSON (a browser form cannot reach it)', async () => {
    const get = await request(`${url}?query=${encodeURIComponent('{ broken }')}`, { headers: { [INTERNAL_TOKEN_HEADER]: token } });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(codes((await get.body.json()) as never)).toEqual(['BAD_REQUEST']);
    const text = await post(JSON.stringify({ query: '{ ward(code: "26740") { name } }' }), { 'content-type': 'text/plain' });
    expect(text.status).toBe(400);
    expect(codes(text.body)).toEqual(['BAD_REQUEST']);
  });

  it('answers variables that do not coerce with BAD_USER_INPUT and no data; a refused literal also', async () => {
    const variable = await post({ query: 'query($w: DateTime!) { at(when: $w) }', variables: { w: 'yesterday' } });
    expect(variable.body.data).toBeUndefined();
    expect(codes(variable.body)).toEqual(['BAD_USER_INPUT']);
    const missing = await post({ query: 'query($w: DateTime!) { at(when: $w) }' });
    expect(codes(missing.body)).toEqual(['BAD_USER_INPUT']);
    const literal = await post({ query: '{ at(when: "yesterday") }' });
    expect(literal.status).toBe(400);
    expect(codes(literal.body)).toEqual(['BAD_USER_INPUT']);
  });

  it("masks an unexpected resolver error and passes the hub's coded ones", async () => {
    const answer = await post({ query: '{ broken refused ward(code: "26740") { name } }' });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ broken: null, refused: null, ward: { name: 'Phường Sài Gòn' } });
    expect(codes(answer.body)).toEqual(['INTERNAL_SERVER_ERROR', 'FORBIDDEN']);
    expect(JSON.stringify(answer.body)).not.toContain('national_id');
  });

  it('runs the hooks in order around an operation, and sends what the last one returns', async () => {
    order.length = 0;
    withhold = false;
    await post({ query: 'query Named { ward(code: "26740") { name } }' });
    expect(order).toEqual(['resolved Named', 'first', 'second']);
    order.length = 0;
    await post({ query: '{ ward(code: "26740") { name }' });
    expect(order).toEqual([]); // refused before an operation: no hook ran
    withhold = true;
    const withheld = await post({ query: '{ ward(code: "26740") { name } }' });
    expect(withheld.body).toEqual({ errors: [{ message: 'withheld', extensions: { code: 'AUDIT_UNAVAILABLE' } }] });
    withhold = false;
  });

  it('parses and validates a document once, however often it is sent', async () => {
    const { executor } = service;
    const document = (executor as unknown as { documents: Map<string, unknown> }).documents;
    const query = '{ ward(code: "26740") { code } }';
    await post({ query });
    const first = document.get(query);
    expect(first).toBeDefined();
    await post({ query });
    expect(document.get(query)).toBe(first);
  });
});

describe('introspection of a subgraph', () => {
  it('is answered outside production and refused in production, as Apollo Server did', async () => {
    const answers: unknown[] = [];
    for (const production of [false, true]) {
      const service = await buildSubgraphService({ name: 'toy', typeDefs, resolvers: resolvers as never, createContext: () => ({}) }, { internalTokenSecret: SECRET, logger: createLogger('test', 'silent'), production });
      answers.push((await service.executor.run({ query: '{ __schema { queryType { name } } }' }, {})).result);
    }
    expect(answers[0]).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const refused = answers[1] as { data?: unknown; errors: Array<{ extensions: { code: string } }> };
    expect(refused.data).toBeUndefined();
    expect(new Set(refused.errors.map((e) => e.extensions.code))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
  });
});
