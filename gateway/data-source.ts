import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Agent, fetch as undiciFetch } from 'undici';
import { INTERNAL_HEADER_PREFIX, INTERNAL_TOKEN_HEADER } from '../subgraphs/shared/identity.ts';
import type { GatewayContext } from './auth.ts';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/**
 * Keep-alive HTTP client for subgraph calls. Measured on 2 cores: the gateway's default client
 * (make-fetch-happen) cost more CPU than the gateway itself; undici with pooled connections
 * more than doubled throughput.
 */
export function createSubgraphFetcher(timeoutMs: number, agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 })): Fetcher {
  return ((url: string, init?: Record<string, unknown>) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) })) as unknown as Fetcher;
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
