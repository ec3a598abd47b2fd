import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCodes, hubError } from './errors.ts';
import type { Logger } from './logger.ts';
import { observeGraphQLHttp, setRequestOutcome } from './telemetry.ts';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A GraphQL request's answer, status and headers included. */
export interface GraphQLHttpResponse {
  status: number;
  headers: Iterable<[string, string]>;
  body: string | AsyncIterable<string>;
}

/** Answers a GraphQL request once the caller is known: the gateway's Apollo Server, or a subgraph's executor. */
export type GraphQLResponder<TContext> = (request: PreparedRequest, context: TContext, req: IncomingMessage) => Promise<GraphQLHttpResponse>;

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  respond: GraphQLResponder<TContext>;
  /** Builds the request context, or throws a GraphQLError (e.g. UNAUTHENTICATED) to refuse the request. */
  context: (req: IncomingMessage) => Promise<TContext>;
  maxBodyBytes: number;
  logger: Logger;
  /** Extra routes by path; a key ending in `/*` answers every path under it (`/explorer/*`). */
  routes?: Record<string, Route>;
  graphqlPath?: string;
  /** Where a browser that opens the GraphQL path is sent (the gateway: its explorer). */
  browserRedirect?: string;
  /**
   * Checks or rewrites a GraphQL request once the caller is known, before Apollo sees it (the
   * gateway's trusted documents); throw a GraphQLError to refuse it.
   */
  prepareRequest?: (request: PreparedRequest, context: TContext) => PreparedRequest;
  /** This server's name in metrics and spans (gateway, units, …, province-79). */
  serverName?: string;
  /** Requests come from the gateway: continue its trace and keep its request id (see telemetry.ts). */
  behindGateway?: boolean;
}

/** The parts of a GraphQL HTTP request that `prepareRequest` may rewrite. */
export interface PreparedRequest {
  method: string;
  /** The parsed JSON body (POST), or undefined. */
  body: unknown;
  /** The query string, with its `?` (GET carries the operation there). */
  search: string;
}

/**
 * Plain node:http in front of GraphQL (the gateway's Apollo Server, what startStandaloneServer
 * does; a subgraph's executor), so that the gateway and every subgraph share one body limit, one
 * error shape and extra routes (/health).
 */
export function createGraphQLHttpServer<TContext extends BaseContext>(options: GraphQLHttpOptions<TContext>): Server {
  const graphqlPath = options.graphqlPath ?? '/graphql';
  const observed = { name: options.serverName ?? 'graphql', behindGateway: options.behindGateway ?? false, logger: options.logger };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.error({ err: error }, 'unhandled HTTP error');
      if (!res.headersSent) sendErrors(res, [hubError('INTERNAL_SERVER_ERROR', 'Internal server error')]);
      else res.destroy();
    });
  });
  // Longer than the load balancer's idle timeout, so pooled connections are not cut mid-request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = options.routes?.[url.pathname] ?? prefixRoute(options.routes, url.pathname);
    if (route) return route(req, res);
    if (url.pathname !== graphqlPath) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    if (options.browserRedirect && req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(303, { location: options.browserRedirect }).end();
      return;
    }
    return observeGraphQLHttp(observed, req, res, () => execute(req, res, url));
  }

  async function execute(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let body: unknown;
    try {
      body = await readBody(req, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof GraphQLError) return sendErrors(res, [error]);
      throw error;
    }

    let context: TContext;
    try {
      context = await options.context(req);
    } catch (error) {
      if (error instanceof GraphQLError) return sendErrors(res, [error]);
      throw error;
    }

    let request: PreparedRequest = { method: (req.method ?? 'GET').toUpperCase(), body, search: url.search };
    if (options.prepareRequest) {
      try {
        request = options.prepareRequest(request, context);
      } catch (error) {
        if (error instanceof GraphQLError) return sendErrors(res, [error]);
        throw error;
      }
    }

    const response = await options.respond(request, context, req);
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status;
    if (typeof response.body === 'string') {
      res.end(response.body);
      return;
    }
    for await (const chunk of response.body) res.write(chunk);
    res.end();
  }

  return server;
}

/** The gateway's responder: Apollo Server's HTTP handling of a request whose context is built. */
export function apolloResponder<TContext extends BaseContext>(apollo: ApolloServer<TContext>): GraphQLResponder<TContext> {
  return async (request, context, req) => {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method, headers, search: request.search, body: request.body },
      context: async () => context,
    });
    return { status: response.status ?? 200, headers: response.headers, body: response.body.kind === 'complete' ? response.body.string : response.body.asyncIterator };
  };
}

function prefixRoute(routes: Record<string, Route> | undefined, pathname: string): Route | undefined {
  for (const [key, route] of Object.entries(routes ?? {})) {
    if (key.endsWith('/*') && pathname.startsWith(key.slice(0, -1))) return route;
  }
  return undefined;
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw hubError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  }
  const text = await bodyText(req, limit);
  if (text === '') return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw hubError('BAD_REQUEST', 'The request body is not valid JSON.');
  }
}

/**
 * The body as text, decoded chunk by chunk (a character split between chunks is completed by the
 * decoder) into a rope that JSON.parse flattens once: a partner's megabyte batch is not also copied
 * into one megabyte buffer first, whose fresh pages cost more than the copy (measured in the ingest
 * bench). Read from the stream's events: `for await` over the request built an async iterator per
 * request, a fifth of the HTTP handling of a small GraphQL request in the gateway and the
 * subgraphs (CPU profiles under the reads bench). A body cut short (the client gone) rejects, as
 * the iterator did; past `limit` bytes, PAYLOAD_TOO_LARGE and the rest is drained.
 */
function bodyText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    let size = 0;
    const settle = (error: Error | null) => {
      req.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      if (error) reject(error);
      else resolve(text + decoder.end());
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        text += decoder.write(chunk);
        return;
      }
      settle(hubError('PAYLOAD_TOO_LARGE', 'The request body is too large.'));
      req.resume();
    };
    const onEnd = () => settle(null);
    const onClose = () => settle(Object.assign(new Error('The request ended before its body was read.'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    req.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
  });
}

/**
 * A server of operational routes only (`/health`, `/ready`, `/metrics`): the worker process's, and
 * a service's metrics port. Anything else is 404.
 */
export function createOpsServer(routes: Record<string, Route>, logger: Logger): Server {
  return createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (!route || req.method !== 'GET') return sendJson(res, 404, { error: 'not found' });
    Promise.resolve(route(req, res)).catch((error: unknown) => {
      logger.error({ err: error }, 'ops route failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function sendErrors(res: ServerResponse, errors: GraphQLError[]): void {
  const code = errors[0]?.extensions.code as keyof typeof ErrorCodes | undefined;
  const status = (code && ErrorCodes[code]?.http) || 400;
  setRequestOutcome(code ?? 'BAD_REQUEST');
  // The client may still be sending an oversized body: do not keep this connection alive.
  if (code === 'PAYLOAD_TOO_LARGE') res.setHeader('connection', 'close');
  sendJson(res, status === 200 ? 400 : status, { errors: errors.map((e) => ({ message: e.message, extensions: { code: e.extensions.code } })) });
}

export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${host}:${address.port}`;
}

/** Stops accepting connections, lets requests in flight finish for up to `graceMs`, then cuts the rest. */
export async function closeServer(server: Server, graceMs = 2_000): Promise<void> {
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
