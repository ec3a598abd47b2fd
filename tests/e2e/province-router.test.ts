import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Kind, parse, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { ProvinceRouter } from '../../gateway/province-router.ts';
import { ProvinceRegistry } from '../../gateway/province-registry.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { startFakeSubgraph, type FakeRequest, type FakeSubgraph } from '../support/fake-subgraph.ts';

// The router on hand-built fetch documents (what the query planner could hand it), over fake
// shards that record what reaches them. No database needed.

/** The response keys of a document's root fields, through inline fragments (directives ignored: the fakes answer all). */
function rootKeys(query: string): string[] {
  const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const keys = (set: SelectionSetNode): string[] =>
    set.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.alias?.value ?? s.name.value] : s.kind === Kind.INLINE_FRAGMENT ? keys(s.selectionSet) : []));
  return keys(operation.selectionSet);
}

describe('the province router: root selections it does not understand are refused; mutations run in order', () => {
  const shards: Record<string, FakeSubgraph> = {};
  /** Per province: how long the shard takes before it answers. */
  const delays: Record<string, number> = {};
  let router: ProvinceRouter;

  beforeAll(async () => {
    for (const code of ['01', '79']) {
      shards[code] = await startFakeSubgraph(async (request: FakeRequest) => {
        await new Promise((resolve) => setTimeout(resolve, delays[code] ?? 0));
        return { body: { data: Object.fromEntries(rootKeys(request.body.query ?? '').map((key) => [key, { province: code }])) } };
      });
    }
    router = new ProvinceRouter(ProvinceRegistry.fromMap({ '01': shards['01']!.url, '79': shards['79']!.url }), 5_000, createLogger('test-router', 'silent'));
  });
  afterEach(() => {
    for (const shard of Object.values(shards)) shard.requests.length = 0;
    for (const code of Object.keys(delays)) delete delays[code];
  });
  afterAll(async () => {
    await Promise.all(Object.values(shards).map((s) => s.close()));
  });

  const fetchOf = (query: string, variables: Record<string, unknown> = {}) =>
    router.process({ kind: 'health check', context: { internalToken: 'test' }, request: { query, variables } } as never);
  const sent = (code: string) => shards[code]!.graphqlRequests().map((r) => rootKeys(r.body.query ?? ''));

  const notUnderstood: Array<[string, string, Record<string, unknown>?]> = [
    ['a fragment spread', 'query { ...F b: quarantineFacility(province: "01", id: 1) { id } } fragment F on Query { a: quarantineFacility(province: 79, id: 1) { id } }'],
    ['an inline fragment on another type', 'query { ... on Province { a: quarantineFacility(province: 79, id: 1) { id } } b: quarantineFacility(province: "01", id: 1) { id } }'],
    ['a directive other than @include / @skip', 'query { a: quarantineFacility(province: 79, id: 1) @custom { id } b: quarantineFacility(province: "01", id: 1) { id } }'],
    ['@defer on a root fragment', 'query { ... @defer { a: quarantineFacility(province: 79, id: 1) { id } } b: quarantineFacility(province: "01", id: 1) { id } }'],
    ['@skip whose condition is not a boolean', 'query($x: Boolean) { a: quarantineFacility(province: 79, id: 1) @skip(if: $x) { id } b: quarantineFacility(province: "01", id: 1) { id } }', { x: 'yes' }],
    ['a root field without a province argument', 'query { a: quarantineFacility(id: 1) { id } b: quarantineFacility(province: "01", id: 1) { id } }'],
    ['a province argument that is neither a literal nor a variable', 'query { a: quarantineFacility(province: [79], id: 1) { id } b: quarantineFacility(province: "01", id: 1) { id } }'],
    ['a mutation field without a province argument', 'mutation { a: setFacilityOccupancy(facilityId: 1, occupied: 1) { __typename } b: setFacilityOccupancy(province: "01", facilityId: 1, occupied: 1) { __typename } }'],
  ];
  for (const [what, query, variables] of notUnderstood) {
    it(`refuses the whole fetch for ${what}: INTERNAL_SERVER_ERROR at every field, no shard called`, async () => {
      const response = await fetchOf(query, variables);
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.map((e) => e.path)).toEqual([['a'], ['b']]);
      for (const error of response.errors ?? []) {
        expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
        expect(error.message).toMatch(/could not route/);
      }
      expect(sent('01')).toEqual([]);
      expect(sent('79')).toEqual([]);
    });
  }

  it('applies @include / @skip and flattens inline fragments on the root type, as the query planner writes them', async () => {
    const response = await fetchOf(
      `query($yes: Boolean!, $no: Boolean!) {
        a: quarantineFacility(province: 79, id: 1) @include(if: $yes) { id }
        b: quarantineFacility(province: "01", id: 1) @skip(if: true) { id }
        ... on Query @include(if: $no) { c: quarantineFacility(province: "01", id: 1) { id } }
        ... @skip(if: $no) { d: quarantineFacility(province: "01", id: 1) { id } __typename }
      }`,
      { yes: true, no: false },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ a: { province: '79' }, d: { province: '01' }, __typename: 'Query' });
    expect(sent('79')).toEqual([['a']]);
    expect(sent('01')).toEqual([['d']]); // skipped fields are sent nowhere
  });

  it('routes a root-field fetch by province even when a variable is called representations', async () => {
    const response = await fetchOf('mutation($representations: [AcceptTracingTaskInput!]!) { a: acceptTracingTasks(province: 79, inputs: $representations) { created } }', {
      representations: [{ contactId: 'c1' }],
    });
    expect(response.data).toEqual({ a: { province: '79' } });
    expect(sent('79')).toEqual([['a']]);
  });

  it('a mutation for two provinces: each part starts only after the one before it answered', async () => {
    delays['79'] = 300;
    const response = await fetchOf(`mutation {
      a: setFacilityOccupancy(province: 79, facilityId: 1, occupied: 1) { __typename }
      b: setFacilityOccupancy(province: "01", facilityId: 1, occupied: 2) { __typename }
      c: setFacilityOccupancy(province: 79, facilityId: 1, occupied: 3) { __typename }
    }`);
    expect(response.data).toEqual({ a: { province: '79' }, b: { province: '01' }, c: { province: '79' } });
    const [first, third] = shards['79']!.graphqlRequests();
    const [second] = shards['01']!.graphqlRequests();
    expect(rootKeys(first!.body.query!)).toEqual(['a']);
    expect(rootKeys(second!.body.query!)).toEqual(['b']);
    expect(rootKeys(third!.body.query!)).toEqual(['c']);
    expect(second!.arrivedAt).toBeGreaterThanOrEqual(first!.finishedAt!);
    expect(third!.arrivedAt).toBeGreaterThanOrEqual(second!.finishedAt!);
  });

  it('a query for two provinces asks both at once', async () => {
    delays['79'] = 300;
    delays['01'] = 300;
    const response = await fetchOf('{ a: quarantineFacility(province: 79, id: 1) { id } b: quarantineFacility(province: "01", id: 1) { id } }');
    expect(response.data).toEqual({ a: { province: '79' }, b: { province: '01' } });
    const [hcm] = shards['79']!.graphqlRequests();
    const [hn] = shards['01']!.graphqlRequests();
    expect(hn!.arrivedAt).toBeLessThan(hcm!.finishedAt!);
    expect(hcm!.arrivedAt).toBeLessThan(hn!.finishedAt!);
  });
});
