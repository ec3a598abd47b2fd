/**
 * What the gateway relies on inside its libraries, and the test that fails the day a library stops
 * doing it. The libraries are pinned to exact versions in package.json (@apollo/gateway,
 * @apollo/composition, @apollo/subgraph, @apollo/federation-internals, @apollo/server, graphql);
 * after an upgrade, run this file and the tests named here. Each test goes through a real gateway
 * (buildGateway) and checks that our code ran on the real code path, not just that a method exists.
 *
 * 1. gateway/variables.ts replaces ApolloGateway's private `validateIncomingRequest` on the
 *    instance; the gateway's executor must call it for every operation (with `operationContext.
 *    schema` / `.operation.variableDefinitions` and `requestContext.request.variables`).
 *    → "variables: the gateway calls our check for every operation" (here);
 *      tests/unit/gateway-variables.test.ts (same verdict and errors as graphql-js).
 * 2. gateway/data-source.ts hands RemoteGraphQLDataSource its own `fetcher` (undici) returning a
 *    partial Response (ok, status, statusText, headers.get, text, json, url): the data source must
 *    call it and read nothing else; its error for a non-2xx answer must carry
 *    `extensions.response.status`.
 *    → "fetcher: every subgraph call goes through ours" (here).
 * 3. HubDataSource overrides `willSendRequest` to set the internal token (and strip x-hub-* headers).
 *    → "willSendRequest: the internal token reaches the subgraph" (here);
 *      tests/e2e/gateway.test.ts "passes the caller identity to subgraphs…".
 * 4. NationalDataSource overrides `process` and tells a caller's operation from a health check by
 *    `'incomingRequestContext' in options` (GraphQLDataSourceProcessOptions).
 *    → "fetcher: …" (a 502 becomes SUBGRAPH_UNAVAILABLE at the field); tests/e2e/gateway-degraded.test.ts,
 *      tests/e2e/subgraph-down.test.ts.
 * 5. gateway/province-router.ts reads the query planner's fetches: `_entities(representations:
 *    $representations)`, root fields with a `province` literal or variable, `@include` / `@skip` and
 *    inline fragments on the root type as written into fetches; anything else is refused
 *    (INTERNAL_SERVER_ERROR), not dropped. A mutation's consecutive province fields arrive as one
 *    fetch, so the router itself runs them in order.
 *    → "province router: …" (here); tests/e2e/province-router.test.ts (hand-built fetches);
 *      tests/e2e/province-routing.test.ts (entities, several provinces, real shards).
 * 6. gateway/authorization.ts wraps the GatewayInterface: Apollo Server must call our `load` and run
 *    the `executor` it returns; @apollo/gateway's executor must plan from `requestContext.document`
 *    and key its plan cache by `queryHash`, both of which we replace for a pruned operation;
 *    `onSchemaLoadOrUpdate` must hand us `coreSupergraphSdl`.
 *    → "authorization: a denied field never reaches its subgraph…" (here);
 *      tests/unit/authorization.test.ts "the gateway wrapper"; tests/e2e/authorization.test.ts.
 * 7. gateway/supergraph.ts + authorization/requirements.ts: @apollo/gateway 2.14 refuses a
 *    supergraph linking a feature `for: SECURITY` (so we strip the marker of the two we enforce),
 *    and must keep refusing one we do not enforce (@policy).
 *    → "supergraph: … @policy …" (here); tests/unit/authorization.test.ts "@apollo/gateway refuses
 *      the composed supergraph and loads the stripped one"; tests/e2e/gateway.test.ts (reload through
 *      the SupergraphSdlHook's `update`).
 * 8. gateway/server.ts sets APOLLO_TELEMETRY_DISABLED, which @apollo/gateway reads in its
 *    constructor; otherwise it probes cloud metadata addresses at once and exports usage to Apollo.
 *    → "telemetry: …" (here).
 * 9. subgraphs/shared/graphql.ts imports 'graphql/index.js' (the CommonJS copy Apollo loads; graphql
 *    has no `exports` map), and limits/errors.ts matches graphql-js 16.15's token-limit message
 *    ("more that"). → tests/unit/limits.test.ts, tests/e2e/limits.test.ts "refuses a document with
 *    too many tokens…".
 * 10. gateway/limits/errors.ts keys errors by object identity between Apollo Server's
 *    `didEncounterErrors` and `formatError` (production masking). → tests/e2e/gateway-hardening.test.ts
 *    (production), tests/e2e/subgraph-down.test.ts "(production)".
 * 11. subgraphs/shared/executor.ts (a subgraph's requests, without Apollo Server) tells a variable
 *    that does not coerce from graphql-js 16's wording of that error, as Apollo Server did, to answer
 *    it BAD_USER_INPUT. → tests/integration/subgraph-executor.test.ts "answers variables that do not
 *    coerce with BAD_USER_INPUT…".
 * 12. patches/@apollo+gateway+2.14.4.patch: executeQueryPlan builds the operation (federation's own
 *    form of it) once per document and API schema, keyed by the `operationContext.operation` node,
 *    which is the same object for every request of a query only while Apollo Server keeps parsed
 *    documents (its document store). → "executeQueryPlan: …" (here).
 * 13. The same patch: RemoteGraphQLDataSource's private `sendRequest` builds node-fetch's Request
 *    only for a hook that is handed it (an overridden parseBody, didEncounterError); the fetcher
 *    gets the URL and the request's init, as before. → "sendRequest: …" (here); a failed call
 *    still reaches didEncounterError: "fetcher: …" (the 502).
 */
import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { ApolloGateway } from '@apollo/gateway';
import { Kind, parse, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildGateway, type GatewayOptions, type GatewayService } from '../../gateway/server.ts';
import { ProvinceRegistry } from '../../gateway/province-registry.ts';
import { ProvinceRouter } from '../../gateway/province-router.ts';
import { INTERNAL_TOKEN_HEADER, signCallerToken, type CallerTokenInput } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { TEST_SECRETS } from '../support/hub.ts';
import { startFakeSubgraph, type FakeAnswer, type FakeRequest, type FakeSubgraph } from '../support/fake-subgraph.ts';

// Every HTTP request this process makes with node:http, from before the gateway is built.
const outgoing: string[] = [];
diagnostics.subscribe('http.client.request.start', (message) => {
  const { request } = message as { request: { host?: string; path?: string } };
  outgoing.push(`${request.host ?? '?'}${request.path ?? ''}`);
});

const NATIONAL = ['units', 'declarations', 'checkins', 'tracing'] as const;

// patches/@apollo+gateway+2.14.4.patch counts the requests that reuse an operation built before,
// and the subgraph calls sent without building a node-fetch Request.
const { operationReuseCount } = createRequire(import.meta.url)('@apollo/gateway/dist/executeQueryPlan.js') as { operationReuseCount: () => number };
const { fetchRequestSkipCount } = createRequire(import.meta.url)('@apollo/gateway/dist/datasources/RemoteGraphQLDataSource.js') as { fetchRequestSkipCount: () => number };

/** Root fields of a fetch, through inline fragments: [response key, field name]. */
function rootFields(query: string): Array<[string, string]> {
  const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fields = (set: SelectionSetNode): Array<[string, string]> =>
    set.selections.flatMap((s) =>
      s.kind === Kind.FIELD ? [[s.alias?.value ?? s.name.value, s.name.value] as [string, string]] : s.kind === Kind.INLINE_FRAGMENT ? fields(s.selectionSet) : [],
    );
  return fields(operation.selectionSet);
}

/** What the fakes answer for the root fields these tests ask. */
const VALUES: Record<string, unknown> = {
  province: { name: 'Tỉnh' },
  person: { fullName: 'Người' },
  quarantineFacility: { name: 'Cơ sở' },
  setFacilityOccupancy: { __typename: 'FacilityNotFound', message: 'no' },
};

describe('what the gateway relies on inside @apollo/gateway, @apollo/server and graphql', () => {
  const fakes: Record<string, FakeSubgraph> = {};
  /** Per subgraph: an answer instead of the usual one (for one test). */
  const overrides: Record<string, (request: FakeRequest) => FakeAnswer> = {};
  const delays: Record<string, number> = {};
  let service: GatewayService;
  let url: string;
  let builtAt: number;
  let options: GatewayOptions;

  beforeAll(async () => {
    for (const name of [...NATIONAL, '01', '79']) {
      fakes[name] = await startFakeSubgraph(async (request) => {
        await new Promise((resolve) => setTimeout(resolve, delays[name] ?? 0));
        const override = overrides[name];
        if (override) return override(request);
        return { body: { data: Object.fromEntries(rootFields(request.body.query ?? '').map(([key, field]) => [key, VALUES[field] ?? null])) } };
      });
    }
    options = {
      supergraphPath: SUPERGRAPH_FILE,
      subgraphUrls: Object.fromEntries(NATIONAL.map((name) => [name, fakes[name]!.url])),
      secrets: TEST_SECRETS,
      subgraphTimeoutMs: 2_000,
      provinceRegistry: ProvinceRegistry.fromMap({ '01': fakes['01']!.url, '79': fakes['79']!.url }),
      provinceTimeoutMs: 2_000,
      maxBodyBytes: 1_000_000,
      production: false,
      logger: createLogger('test-gateway', 'silent'),
    };
    service = await buildGateway(options);
    builtAt = performance.now();
    url = `${await service.listen(0)}/graphql`;
  });
  afterEach(() => {
    for (const fake of Object.values(fakes)) fake.requests.length = 0;
    for (const key of Object.keys(overrides)) delete overrides[key];
    for (const key of Object.keys(delays)) delete delays[key];
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await service?.stop();
    await Promise.all(Object.values(fakes).map((f) => f.close()));
  });

  const ask = async (query: string, variables?: Record<string, unknown>, caller: Partial<CallerTokenInput> = {}) => {
    const token = await signCallerToken(TEST_SECRETS.jwt, { subject: 'test', role: 'national_official', ...caller });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }> };
  };
  const fetchesTo = (name: string) => fakes[name]!.graphqlRequests().map((r) => r.body.query ?? '');

  it('variables: the gateway calls our check for every operation (1)', async () => {
    type Validate = (requestContext: unknown, operationContext: unknown) => unknown[];
    const gateway = service.gateway as unknown as { validateIncomingRequest: Validate };
    const ours = gateway.validateIncomingRequest;
    expect(ours).not.toBe((ApolloGateway.prototype as unknown as { validateIncomingRequest: Validate }).validateIncomingRequest);
    let calls = 0;
    gateway.validateIncomingRequest = (requestContext, operationContext) => {
      calls += 1;
      return ours(requestContext, operationContext);
    };
    try {
      const query = 'query($id: ID!) { person(id: $id) { fullName } }';
      expect((await ask(query, { id: 'p1' })).data).toEqual({ person: { fullName: 'Người' } });
      const refused = await ask(query, {});
      expect(refused.errors?.map((e) => e.message)).toEqual(['Variable "$id" of required type "ID!" was not provided.']);
      expect(calls).toBe(2);
      expect(fetchesTo('declarations')).toHaveLength(1);
    } finally {
      gateway.validateIncomingRequest = ours;
    }
  });

  it('fetcher: every subgraph call goes through ours, and a failed answer is read from our response (2, 4)', async () => {
    // Our fetcher passes a subgraph's HTTP 400 GraphQL body on as a result; the library's would say "400: Bad Request".
    overrides.declarations = () => ({ status: 400, body: { errors: [{ message: 'Expected a DateTime', extensions: { code: 'BAD_USER_INPUT' } }] } });
    const invalid = await ask('{ person(id: "p1") { fullName } }');
    expect(invalid.errors).toEqual([expect.objectContaining({ message: 'Expected a DateTime', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);

    overrides.declarations = () => ({ status: 502, contentType: 'text/plain', body: 'bad gateway' });
    const failed = await ask('{ person(id: "p1") { fullName } province(code: "79") { name } }');
    expect(failed.data).toEqual({ person: null, province: { name: 'Tỉnh' } });
    expect(failed.errors).toEqual([
      expect.objectContaining({ path: ['person'], message: expect.stringContaining('it answered HTTP 502'), extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'declarations' }) }),
    ]);
  });

  it('willSendRequest: the internal token reaches the subgraph, the caller\'s x-hub-* headers do not (3)', async () => {
    const token = await signCallerToken(TEST_SECRETS.jwt, { subject: 'test', role: 'national_official' });
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, [INTERNAL_TOKEN_HEADER]: 'forged', 'x-hub-other': 'forged' },
      body: JSON.stringify({ query: '{ province(code: "79") { name } }' }),
    });
    const [request] = fakes.units!.graphqlRequests();
    expect(request?.headers[INTERNAL_TOKEN_HEADER]).toMatch(/^ey/); // a signed token, not the forged value
    expect(request?.headers['x-hub-other']).toBeUndefined();
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('province router: a mutation for two provinces reaches it as one fetch, and the shards one after the other (5)', async () => {
    const process = vi.spyOn(ProvinceRouter.prototype, 'process');
    delays['79'] = 300;
    const response = await ask(`mutation {
      a: setFacilityOccupancy(province: "79", facilityId: "f1", occupied: 1) { __typename }
      b: setFacilityOccupancy(province: "01", facilityId: "f2", occupied: 2) { __typename }
    }`);
    expect(response).toEqual({ data: { a: { __typename: 'FacilityNotFound' }, b: { __typename: 'FacilityNotFound' } } });
    expect(process).toHaveBeenCalledTimes(1);
    expect(rootFields(process.mock.calls[0]![0].request.query ?? '').map(([key]) => key)).toEqual(['a', 'b']);
    const [first] = fakes['79']!.graphqlRequests();
    const [second] = fakes['01']!.graphqlRequests();
    expect(second!.arrivedAt).toBeGreaterThanOrEqual(first!.finishedAt!);
  });

  it('province router: @include / @skip and root fragments in the planner\'s fetches are understood, not refused (5)', async () => {
    const response = await ask(
      `query($yes: Boolean!, $no: Boolean!) {
        a: quarantineFacility(province: "79", id: "f1") @include(if: $yes) { name }
        b: quarantineFacility(province: "01", id: "f1") @include(if: $no) { name }
        ... @skip(if: $no) { c: quarantineFacility(province: "01", id: "f2") { name } }
      }`,
      { yes: true, no: false },
    );
    expect(response).toEqual({ data: { a: { name: 'Cơ sở' }, c: { name: 'Cơ sở' } } });
    expect(fetchesTo('79').flatMap((q) => rootFields(q).map(([key]) => key))).toEqual(['a']);
    expect(fetchesTo('01').flatMap((q) => rootFields(q).map(([key]) => key))).toEqual(['c']);
  });

  it('authorization: a denied field never reaches its subgraph, even once the full operation is planned (6)', async () => {
    const query = '{ case(id: "c1") { id } province(code: "79") { name } }';
    expect((await ask(query)).data).toEqual({ case: null, province: { name: 'Tỉnh' } });
    expect(fetchesTo('tracing')).toHaveLength(1);
    // A citizen has no cases:read. Same text, so the same query hash: the full plan is cached.
    const citizen = await ask(query, undefined, { role: 'citizen', subject: 'p1' });
    expect(citizen.data).toEqual({ province: { name: 'Tỉnh' } });
    expect(citizen.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(fetchesTo('tracing')).toHaveLength(1);
    expect(fetchesTo('units')).toHaveLength(2);
  });

  it('supergraph: @apollo/gateway still refuses a security feature the gateway does not enforce (@policy) (7)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-policy-'));
    try {
      const path = join(dir, 'supergraph.graphql');
      const policy = '@link(url: "https://specs.apollo.dev/link/v1.0")\n  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)';
      writeFileSync(path, readFileSync(SUPERGRAPH_FILE, 'utf8').replace('@link(url: "https://specs.apollo.dev/link/v1.0")', policy));
      await expect(buildGateway({ ...options, supergraphPath: path, provinceRegistry: ProvinceRegistry.fromMap({}) })).rejects.toThrow(/policy\/v0\.1 is for: SECURITY but is unsupported/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('executeQueryPlan: a query asked again reuses its operation, and each request still shapes its answer by its own variables (12)', async () => {
    const query = 'query Card($id: ID!, $withName: Boolean!) { person(id: $id) { ...Name } } fragment Name on Person { fullName @include(if: $withName) }';
    const before = operationReuseCount();
    expect((await ask(query, { id: 'p1', withName: true })).data).toEqual({ person: { fullName: 'Người' } });
    expect(operationReuseCount()).toBe(before);
    expect((await ask(query, { id: 'p1', withName: false })).data).toEqual({ person: {} });
    expect((await ask(query, { id: 'p2', withName: true })).data).toEqual({ person: { fullName: 'Người' } });
    expect(operationReuseCount()).toBe(before + 2);
    // Another text is another document: built anew, then reused.
    const other = query.replace('query Card', 'query Card2');
    expect((await ask(other, { id: 'p1', withName: true })).data).toEqual({ person: { fullName: 'Người' } });
    expect(operationReuseCount()).toBe(before + 2);
    expect((await ask(other, { id: 'p1', withName: false })).data).toEqual({ person: {} });
    expect(operationReuseCount()).toBe(before + 3);
  });

  it('sendRequest: a subgraph call builds no node-fetch Request, and its answer is read as before (13)', async () => {
    const calls = () => Object.values(fakes).reduce((sum, fake) => sum + fake.graphqlRequests().length, 0);
    const [callsBefore, skippedBefore] = [calls(), fetchRequestSkipCount()];
    const answer = await ask('{ person(id: "p1") { fullName } province(code: "79") { name } }');
    expect(answer).toEqual({ data: { person: { fullName: 'Người' }, province: { name: 'Tỉnh' } } });
    expect(calls() - callsBefore).toBe(2);
    expect(fetchRequestSkipCount() - skippedBefore).toBe(2);
  });

  it('telemetry: nothing leaves this machine, no cloud metadata probe, no usage export (8)', async () => {
    await ask('{ province(code: "79") { name } }');
    // @apollo/gateway starts its cloud probes as it is built; give them time to show.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, builtAt + 1_500 - performance.now())));
    expect(outgoing.filter((target) => !/^(127\.0\.0\.1|localhost)(:|\/|$)/.test(target))).toEqual([]);
  });
});
