import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayContext } from '../../gateway/auth.ts';
import { createSubgraphFetcher, HubDataSource } from '../../gateway/data-source.ts';
import { listen } from '../../subgraphs/shared/http.ts';

/**
 * The gateway's subgraph calls (gateway/data-source.ts) through RemoteGraphQLDataSource, to a real
 * HTTP server that holds every request until both calls of a case have been made: identical
 * queries of one caller in flight at once are sent once, and each gets its own copy of the answer;
 * different callers, different variables and mutations are each sent.
 */
describe('subgraph calls in flight at once', () => {
  let server: Server;
  let url: string;
  const received: Array<{ token: string | undefined; body: string }> = [];
  let held: Array<() => void> = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ token: req.headers['x-hub-internal-token'] as string | undefined, body });
        const n = received.length;
        held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { person: { n } } })));
      });
    });
    url = `${await listen(server, 0)}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    held = [];
  });

  /**
   * Makes two calls concurrently and answers the server's requests once both calls have been
   * handed to the fetcher and `sent` requests have arrived (any later one is answered too).
   */
  async function both(first: { token: string; query: string; id?: string }, second: { token: string; query: string; id?: string }, sent: number) {
    const fetcher = createSubgraphFetcher(10_000);
    let calls = 0;
    const counting = ((...args: Parameters<typeof fetcher>) => {
      calls += 1;
      return fetcher(...args);
    }) as typeof fetcher;
    const source = new HubDataSource({ url, fetcher: counting });
    const call = (c: { token: string; query: string; id?: string }, requestId: string) =>
      source.process({
        kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
        request: { query: c.query, variables: { id: c.id ?? 'p1' } },
        context: { internalToken: c.token, requestId } as GatewayContext,
        incomingRequestContext: {} as never,
      } as GraphQLDataSourceProcessOptions<GatewayContext>);
    const answers = Promise.all([call(first, 'r1'), call(second, 'r2')]);
    await vi.waitFor(() => expect(calls).toBe(2));
    await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(sent));
    const release = () => {
      for (const answer of held.splice(0)) answer();
    };
    const timer = setInterval(release, 5);
    try {
      return await answers;
    } finally {
      clearInterval(timer);
    }
  }

  const QUERY = 'query Card__declarations__0($id:ID!){person(id:$id){fullName}}';

  it('sends an identical query of one caller once and gives each request its own copy of the answer', async () => {
    const [a, b] = await both({ token: 'caller-1', query: QUERY }, { token: 'caller-1', query: QUERY }, 1);
    expect(received).toHaveLength(1);
    expect(a.data).toEqual({ person: { n: 1 } });
    expect(b.data).toEqual({ person: { n: 1 } });
    expect(a.data).not.toBe(b.data);
    expect((a.data as { person: object }).person).not.toBe((b.data as { person: object }).person);
  });

  it('never shares between callers, even for the same query in flight at once', async () => {
    const [a, b] = await both({ token: 'caller-1', query: QUERY }, { token: 'caller-2', query: QUERY }, 2);
    expect(received.map((r) => r.token).sort()).toEqual(['caller-1', 'caller-2']);
    expect([a.data, b.data]).toEqual(expect.arrayContaining([{ person: { n: 1 } }, { person: { n: 2 } }]));
  });

  it('sends queries of one caller that differ in their variables each', async () => {
    await both({ token: 'caller-1', query: QUERY, id: 'p1' }, { token: 'caller-1', query: QUERY, id: 'p2' }, 2);
    expect(received).toHaveLength(2);
  });

  it('never sends a mutation once for two', async () => {
    const mutation = 'mutation Declare__declarations__0($id:ID!){declare(id:$id){id}}';
    await both({ token: 'caller-1', query: mutation }, { token: 'caller-1', query: mutation }, 2);
    expect(received).toHaveLength(2);
    expect(received.every((r) => r.token === 'caller-1')).toBe(true);
  });

  it('sends a call without a caller (a health check) each time', async () => {
    await both({ token: '', query: QUERY }, { token: '', query: QUERY }, 2);
    expect(received).toHaveLength(2);
  });
});
