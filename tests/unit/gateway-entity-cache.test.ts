import { createServer, type Server } from 'node:http';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../gateway/auth.ts';
import { createSubgraphFetcher, NationalDataSource } from '../../gateway/data-source.ts';
import { EntityCache } from '../../gateway/entity-cache.ts';
import { listen } from '../../subgraphs/shared/http.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';

/**
 * The gateway's entity cache (gateway/entity-cache.ts) in front of a real HTTP subgraph that
 * answers each ward representation with its name and says what its answer's `cache-control` is:
 * entities of an answer that says `public, max-age` are served without calling the subgraph until
 * they expire, only the missing ones are asked, answers come back in the gateway's order with
 * error paths where the gateway expects them; nothing is kept from an answer that is not public or
 * has an error, nor from a fetch that is not an entity fetch; a mutation drops what was kept of its subgraph.
 */
describe("the gateway's entity cache", () => {
  let server: Server;
  let url: string;
  let cacheControl: string | undefined;
  /** The codes of each request the subgraph received. */
  const received: string[][] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { query: string; variables: { representations?: Array<{ code: string }> } };
        const codes = body.variables.representations?.map((r) => r.code) ?? [];
        received.push(codes);
        const answer = body.query.includes('_entities')
          ? {
              data: { _entities: codes.map((code) => (code === 'broken' ? null : { name: `Phường ${code}`, province: { code: code.slice(0, 2) } })) },
              ...(codes.includes('broken') ? { errors: [{ message: 'lost', path: ['_entities', codes.indexOf('broken'), 'name'] }] } : {}),
            }
          : { data: { ward: { name: 'Phường 26740' } } };
        res.writeHead(200, { 'content-type': 'application/json', ...(cacheControl ? { 'cache-control': cacheControl } : {}) }).end(JSON.stringify(answer));
      });
    });
    url = `${await listen(server, 0)}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    cacheControl = 'public, max-age=60';
  });

  let clock = 0;
  const sourceWith = (cache: EntityCache) => new NationalDataSource('units', url, createSubgraphFetcher(5_000), 5_000, createLogger('test', 'silent'), cache);
  const fresh = () => sourceWith(new EntityCache(100, () => clock));
  const ENTITIES = 'query Card__units__1($representations:[_Any!]!){_entities(representations:$representations){...on Ward{name province{code}}}}';

  function fetch(source: NationalDataSource, codes: string[], query = ENTITIES, token = 'caller-1') {
    const variables = query.includes('_entities') ? { representations: codes.map((code) => ({ __typename: 'Ward', code })) } : { code: codes[0] };
    return source.process({
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query, variables },
      context: { internalToken: token, requestId: 'r' } as GatewayContext,
      incomingRequestContext: {} as never,
    } as GraphQLDataSourceProcessOptions<GatewayContext>);
  }
  const names = (response: { data?: unknown }) => (response.data as { _entities: Array<{ name: string } | null> })._entities.map((e) => e?.name ?? null);

  it("serves a public answer's entities to every caller until they expire, each its own copy", async () => {
    clock = 1_000;
    const source = fresh();
    const first = await fetch(source, ['26740', '26734']);
    const again = await fetch(source, ['26734', '26740'], ENTITIES.replace('Card__units__1', 'Other__units__0'), 'caller-2');
    expect(received).toEqual([['26740', '26734']]);
    expect(names(again)).toEqual(['Phường 26734', 'Phường 26740']);
    // The gateway merges later fetches into what it receives: that must not reach the next answer.
    (again.data as { _entities: Array<{ province: Record<string, unknown> }> })._entities[0]!.province.hotline = '1900';
    const third = await fetch(source, ['26734']);
    expect(third.data).toEqual({ _entities: [{ name: 'Phường 26734', province: { code: '26' } }] });
    expect(names(first)).toEqual(['Phường 26740', 'Phường 26734']);

    clock += 60_001;
    await fetch(source, ['26740']);
    expect(received).toEqual([['26740', '26734'], ['26740']]);
  });

  it('asks only for the entities it does not hold, and answers in the order asked, error paths included', async () => {
    const source = fresh();
    await fetch(source, ['26740', '26734']);
    const mixed = await fetch(source, ['26734', 'broken', '26740', '00004']);
    expect(received).toEqual([['26740', '26734'], ['broken', '00004']]);
    expect(names(mixed)).toEqual(['Phường 26734', null, 'Phường 26740', 'Phường 00004']);
    expect(mixed.errors?.map((e) => e.path)).toEqual([['_entities', 1, 'name']]);
    // Nothing of an answer with an error was kept: 00004 is asked again.
    await fetch(source, ['00004']);
    expect(received.at(-1)).toEqual(['00004']);
  });

  it('keeps nothing a subgraph does not say is public, nor any fetch but an entity fetch', async () => {
    for (const header of [undefined, 'no-store', 'private, max-age=60', 'public, max-age=0', 'public']) {
      cacheControl = header;
      const source = fresh();
      await fetch(source, ['26740']);
      await fetch(source, ['26740']);
      expect({ header, sent: received.splice(0).length }).toEqual({ header, sent: 2 });
    }
    const source = fresh();
    await fetch(source, ['26740']);
    const rootQuery = 'query Card__units__0($code:ID!){ward(code:$code){name}}';
    const roots = [await fetch(source, ['26740'], rootQuery), await fetch(source, ['26740'], rootQuery)];
    expect(roots.map((r) => r.data)).toEqual([{ ward: { name: 'Phường 26740' } }, { ward: { name: 'Phường 26740' } }]);
    expect(received).toEqual([['26740'], [], []]);
  });

  it('drops what it kept of a subgraph when a mutation is sent to it, and only of that subgraph', async () => {
    const cache = new EntityCache(100, () => clock);
    const units = sourceWith(cache);
    const other = new NationalDataSource('directory', url, createSubgraphFetcher(5_000), 5_000, createLogger('test', 'silent'), cache);
    for (const source of [units, other, units, other]) await fetch(source, ['26740']);
    expect(received).toEqual([['26740'], ['26740']]);
    const answer = await fetch(other, [], 'mutation Rename__directory__0($code:ID!){rename(code:$code){name}}');
    expect(answer.data).toEqual({ ward: { name: 'Phường 26740' } });
    for (const source of [units, other]) await fetch(source, ['26740']);
    expect(received).toEqual([['26740'], ['26740'], [], ['26740']]);
  });

  it('keys entities by the selection: another selection of the same ward is asked', async () => {
    const source = fresh();
    await fetch(source, ['26740']);
    await fetch(source, ['26740'], ENTITIES.replace('name province{code}', 'name'));
    expect(received).toEqual([['26740'], ['26740']]);
  });
});
