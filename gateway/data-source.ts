import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Agent, fetch as undiciFetch, Response } from 'undici';
import { INTERNAL_HEADER_PREFIX, INTERNAL_TOKEN_HEADER } from '../subgraphs/shared/identity.ts';
import type { GatewayContext } from './auth.ts';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/**
 * Keep-alive HTTP client for subgraph calls. Measured on 2 cores: the gateway's default client
 * (make-fetch-happen) cost more CPU than the gateway itself; undici with pooled connections
 * more than doubled throughput.
 */
export function createSubgraphFetcher(timeoutMs: number, agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 })): Fetcher {
  return (async (url: string, init?: Record<string, unknown>) => {
    const response = await undiciFetch(url, { ...(init as object), dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) });
    return asGraphQLResult(response);
  }) as unknown as Fetcher;
}

/**
 * Apollo Server answers a request it cannot validate (a malformed DateTime literal, a bad
 * variable) with HTTP 400 and a GraphQL `errors` body. RemoteGraphQLDataSource would turn that
 * into an opaque "400: Bad Request"; passing it on as an ordinary GraphQL result keeps the
 * subgraph's message and code for the caller.
 */
async function asGraphQLResult(response: Response): Promise<Response> {
  if (response.status !== 400 || !(response.headers.get('content-type') ?? '').includes('json')) return response;
  const body = await response.text();
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) return new Response(body, { status: 200, headers: response.headers });
  } catch {
    /* not a GraphQL body: fall through */
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** A subgraph call that carries the gateway's internal token and nothing the client sent. */
export class HubDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    for (const [name] of headers) if (name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX)) headers.delete(name);
    // Health checks and schema loads have no caller context; subgraphs refuse them without a token.
    if (context?.internalToken) headers.set(INTERNAL_TOKEN_HEADER, context.internalToken);
  }
}
