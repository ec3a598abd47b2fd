import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { STATUS_CODES } from 'node:http';
import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { Agent } from 'undici';
import { INTERNAL_HEADER_PREFIX, INTERNAL_TOKEN_HEADER } from '../subgraphs/shared/identity.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import { injectTraceHeaders, observeSubgraphCall, REQUEST_ID_HEADER } from '../subgraphs/shared/telemetry.ts';
import type { GatewayContext } from './auth.ts';
import type { EntityCache } from './entity-cache.ts';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/**
 * Keep-alive HTTP client for subgraph calls. Measured on 2 cores: the gateway's default client
 * (make-fetch-happen) cost more CPU than the gateway itself; undici with pooled connections
 * more than doubled throughput. Its low-level `request` rather than its `fetch`: fetch streams
 * the body through web streams (a separate socket write for the body, an AbortSignal.timeout per
 * call), which profiling put at a third of the gateway's CPU when it fans out to 34 provinces.
 */
export function createSubgraphFetcher(timeoutMs: number, agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 })): Fetcher {
  const send = async (url: string, init: FetchInit): Promise<SubgraphResponse> => {
    const target = new URL(url);
    // One timer for the whole exchange (headers and body), as AbortSignal.timeout gave before.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(timeoutError(timeoutMs)), timeoutMs);
    try {
      const { statusCode, headers, body } = await agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: (init.method ?? 'POST') as 'POST',
        // W3C traceparent of the active span (the call's client span), when tracing is on.
        headers: injectTraceHeaders(init.headers ?? {}),
        body: init.body ?? null,
        signal: abort.signal,
      });
      return asGraphQLResult(new SubgraphResponse(statusCode, headers, await body.text()));
    } finally {
      clearTimeout(timer);
    }
  };
  // Identical reads of one caller in flight at once: one call, its answer's text shared (each
  // request parses its own copy, which the gateway then merges into that request's result).
  const inFlight = new Map<string, Promise<SubgraphResponse>>();
  return (async (url: string, init: FetchInit = {}) => {
    const key = sharedFetchKey(url, init);
    if (key === undefined) return send(url, init);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const call = send(url, init).finally(() => inFlight.delete(key));
    inFlight.set(key, call);
    return call;
  }) as unknown as Fetcher;
}

interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * The key under which a subgraph call may share another's answer: the subgraph, the caller and
 * the exact request. The caller is the gateway's internal token (one per identity, which the
 * subgraph authorizes and audits on), so calls of different callers never share, nor do calls
 * without one (health checks). Only queries: RemoteGraphQLDataSource sends
 * `JSON.stringify({ query, … })`, the query first, and a query the gateway planned begins with
 * `query` or `{`; a mutation is never sent once for two.
 */
function sharedFetchKey(url: string, init: FetchInit): string | undefined {
  const caller = init.headers?.[INTERNAL_TOKEN_HEADER];
  const body = init.body;
  if (!caller || !body || !(body.startsWith('{"query":"query') || body.startsWith('{"query":"{'))) return undefined;
  return `${url}\u0000${caller}\u0000${body}`;
}

function timeoutError(ms: number): Error {
  const error = new Error(`The subgraph did not answer within ${ms} ms`);
  error.name = 'TimeoutError';
  return error;
}

/** The part of a fetch Response that RemoteGraphQLDataSource reads, over an already-read body. */
class SubgraphResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: Headers;

  constructor(
    readonly status: number,
    rawHeaders: Record<string, string | string[] | undefined>,
    readonly bodyText: string,
    readonly url = '',
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    this.headers = new Headers();
    for (const [name, value] of Object.entries(rawHeaders)) {
      if (value !== undefined) this.headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
  }

  async text(): Promise<string> {
    return this.bodyText;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.bodyText);
  }
}

/**
 * Apollo Server answers a request it cannot validate (a malformed DateTime literal, a bad
 * variable) with HTTP 400 and a GraphQL `errors` body. RemoteGraphQLDataSource would turn that
 * into an opaque "400: Bad Request"; passing it on as an ordinary GraphQL result keeps the
 * subgraph's message and code for the caller.
 */
function asGraphQLResult(response: SubgraphResponse): SubgraphResponse {
  if (response.status !== 400 || !(response.headers.get('content-type') ?? '').includes('json')) return response;
  try {
    const parsed = JSON.parse(response.bodyText) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) return new SubgraphResponse(200, Object.fromEntries(response.headers), response.bodyText);
  } catch {
    /* not a GraphQL body: pass the 400 on */
  }
  return response;
}

/** A subgraph call that carries the gateway's internal token and nothing the client sent. */
export class HubDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    for (const [name] of headers) if (name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX)) headers.delete(name);
    // Health checks and schema loads have no caller context; subgraphs refuse them without a token.
    if (context?.internalToken) headers.set(INTERNAL_TOKEN_HEADER, context.internalToken);
    if (context?.requestId) headers.set(REQUEST_ID_HEADER, context.requestId);
  }
}

/**
 * A national subgraph. When it is down, slow or answers without a GraphQL body, the fields this
 * fetch asked of it are null, each with a SUBGRAPH_UNAVAILABLE error (`extensions.subgraph`) at
 * its path, and the rest of the answer still arrives, as the province router does for a shard.
 * Fields served across subgraphs are nullable in the SDL so that such a null stops there.
 */
export class NationalDataSource extends HubDataSource {
  constructor(
    private readonly subgraph: string,
    url: string,
    fetcher: Fetcher,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly entities?: EntityCache,
  ) {
    super({ url, fetcher });
  }

  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    return this.entities ? this.entities.process(this.subgraph, options, (sent) => this.call(sent)) : this.call(options);
  }

  private async call(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    try {
      return await observeSubgraphCall(this.subgraph, '', () => super.process(options));
    } catch (error) {
      // Health checks and schema loads (not used with a static supergraph) keep failing loudly.
      if (!('incomingRequestContext' in options)) throw error;
      this.logger.warn({ err: error, subgraph: this.subgraph, url: this.url, requestId: options.context.requestId }, 'subgraph did not answer');
      const message = `The ${this.subgraph} subgraph is unavailable: ${failureReason(error, this.timeoutMs)}`;
      const extensions = { code: 'SUBGRAPH_UNAVAILABLE', subgraph: this.subgraph };
      const document = options.document ?? parse(options.request.query ?? '');
      return { errors: fieldPaths(document, options.request.variables).map((path) => ({ message, path, extensions })) };
    }
  }
}

function failureReason(error: unknown, timeoutMs: number): string {
  const status = (error as { extensions?: { response?: { status?: unknown } } }).extensions?.response?.status;
  if (typeof status === 'number') return `it answered HTTP ${status}`;
  if (error instanceof Error && /abort|timeout/i.test(`${error.name} ${error.message}`)) return `it did not answer within ${timeoutMs} ms`;
  return 'it is unreachable';
}

/**
 * Where the fields of a subgraph fetch land in its answer: `[field]` for root fields, and
 * `['_entities', i, field]` for each representation of an entity fetch (the gateway maps those
 * to the entity's place in the caller's answer).
 */
function fieldPaths(document: DocumentNode, variables: Record<string, unknown> | undefined): Array<Array<string | number>> {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return [];
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const entities = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value === '_entities');
  const representations = variables?.representations;
  if (entities?.kind !== Kind.FIELD || !entities.selectionSet || !Array.isArray(representations)) {
    return responseKeys(operation.selectionSet, fragments).map((key) => [key]);
  }
  return representations.flatMap((representation, index) => {
    const typename = (representation as { __typename?: unknown } | null)?.__typename;
    return responseKeys(entities.selectionSet!, fragments, typeof typename === 'string' ? typename : undefined).map((key) => ['_entities', index, key]);
  });
}

/** The response keys a selection set asks for (on `typename`, when given), through fragments; `__typename` left out. */
export function responseKeys(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, typename?: string): string[] {
  const keys = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== '__typename') keys.add(selection.alias?.value ?? selection.name.value);
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      const condition = fragment?.typeCondition?.name.value;
      if (fragment && (!typename || !condition || condition === typename)) visit(fragment.selectionSet);
    }
  };
  visit(selectionSet);
  return [...keys];
}
