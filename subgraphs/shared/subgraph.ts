import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse, type DocumentNode, type GraphQLFormattedError, Source } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { isDatabaseUnavailable, isUnstorableText } from './db.ts';
import { ErrorCodes } from './errors.ts';
import { GraphUnavailableError } from './graph-client.ts';
import { closeServer, createGraphQLHttpServer, listen, sendJson, type Route } from './http.ts';
import { INTERNAL_TOKEN_HEADER, VerifiedTokenCache, verifyInternalToken, type Identity } from './identity.ts';
import type { Logger } from './logger.ts';
import { metricsRoute } from './metrics.ts';
import { requestTelemetryPlugin } from './telemetry.ts';

export type Resolvers<TContext> = GraphQLResolverMap<TContext>;

/** Reads a subgraph's SDL file (the one place its schema lives), keeping the path for error locations. */
export function loadSchemaFile(path: string | URL): DocumentNode {
  const text = readFileSync(path, 'utf8');
  return parse(new Source(text, typeof path === 'string' ? path : path.pathname));
}

export interface SubgraphDefinition<TContext extends BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: Resolvers<TContext>;
  /** Called once per request: make the request's DataLoaders here. */
  createContext(identity: Identity): TContext;
  /** Apollo Server plugins of this subgraph (e.g. the declarations audit, flushed before each response leaves). */
  plugins?: ApolloServerPlugin<TContext>[];
  /** Releases what the definition holds besides the database (e.g. a queue's connection), once the server has stopped. */
  close?(): Promise<void>;
  /** Plain HTTP routes besides GraphQL, without the internal token (vaccination's public key set, which the gateway relays). */
  routes?: Record<string, Route>;
}

/**
 * A definition whose context type is erased: what a module's `build` hands to the launcher, which
 * only passes it to `buildSubgraphService` and never makes a context or calls a resolver itself.
 * The context type only has to agree within one definition (its createContext, resolvers and
 * plugins), which each subgraph's own builder checks (`unitsSubgraph(): SubgraphDefinition<UnitsContext>`).
 * Any subgraph's definition is one of these without a cast.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the erased context type, see above
export type AnySubgraphDefinition = SubgraphDefinition<any>;

export interface SubgraphServiceOptions {
  internalTokenSecret: string;
  /** Probes the subgraph's database for `/ready` (rejects when it is unreachable). */
  probeDatabase?: () => Promise<unknown>;
  logger: Logger;
  maxBodyBytes?: number;
  /** In production /metrics is not on the service's port (the process serves it on METRICS_PORT). */
  production?: boolean;
  /** Its name in metrics and spans (default the definition's name; a province shard: province-<code>). */
  serverName?: string;
}

export interface SubgraphService {
  name: string;
  apollo: ApolloServer<BaseContext>;
  http: Server;
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Builds (does not start) a subgraph: Apollo Server over `buildSubgraphSchema`, behind the
 * shared HTTP layer, refusing any request that lacks the gateway's internal token. The service
 * only hands the definition's own contexts to its own resolvers and plugins, so it takes any
 * definition (`AnySubgraphDefinition`).
 */
export async function buildSubgraphService(definition: AnySubgraphDefinition, options: SubgraphServiceOptions): Promise<SubgraphService> {
  const logger = options.logger;
  const apollo = new ApolloServer<BaseContext>({
    schema: buildSubgraphSchema([{ typeDefs: definition.typeDefs, resolvers: definition.resolvers as never }]),
    // The process owner (npm start, runSubgraph) stops everything in order on SIGINT/SIGTERM.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    // Traces are for Apollo's hosted studio, which the hub does not report to.
    // No HTTP caching of graph answers (health data; every answer depends on the caller), so no
    // cache-control hints: the plugin would otherwise wrap every field resolver to collect them.
    // No landing page: Apollo's loads scripts and fonts from other hosts (the hub runs on a closed network).
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      requestTelemetryPlugin,
      ...(definition.plugins ?? []),
    ],
    formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
  });
  await apollo.start();

  const tokens = new VerifiedTokenCache((token) => verifyInternalToken(options.internalTokenSecret, token));
  const http = createGraphQLHttpServer<BaseContext>({
    apollo,
    logger,
    maxBodyBytes: options.maxBodyBytes ?? 10_000_000,
    serverName: options.serverName ?? definition.name,
    behindGateway: true,
    context: async (req) => {
      const header = req.headers[INTERNAL_TOKEN_HEADER];
      const token = Array.isArray(header) ? header[0] : header;
      const identity = await tokens.identityOf(token ?? '');
      return definition.createContext(identity);
    },
    routes: {
      ...definition.routes,
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', subgraph: definition.name }),
      // Ready when its database answers within a second: a load balancer stops sending requests
      // that could only fail, and sends them again once the database is back.
      '/ready': async (_req, res) => {
        const database = options.probeDatabase ? await probe(options.probeDatabase, 1_000) : 'up';
        sendJson(res, database === 'up' ? 200 : 503, { ready: database === 'up', subgraph: definition.name, database });
      },
      ...(options.production ? {} : { '/metrics': metricsRoute }),
    },
  });

  return {
    name: definition.name,
    apollo,
    http,
    listen: (port, host) => listen(http, port, host),
    stop: async () => {
      await closeServer(http);
      await apollo.stop();
      await definition.close?.();
    },
  };
}

/** 'up' when `check` resolves within `timeoutMs`, else 'down'. */
async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'down'>((resolve) => (timer = setTimeout(() => resolve('down'), timeoutMs)));
  try {
    return await Promise.race([check().then((): 'up' => 'up', (): 'down' => 'down'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function originalCode(error: unknown): unknown {
  return (error as { originalError?: { extensions?: { code?: unknown } } } | null)?.originalError?.extensions?.code;
}

export const SERVICE_UNAVAILABLE_MESSAGE = 'This service could not reach its database or a service it needs. Try again shortly.';

/**
 * Errors carrying a code from the catalogue pass through; an unreachable database or graph is
 * SERVICE_UNAVAILABLE (the caller may retry); anything else is a bug, so its
 * message (which may hold SQL or personal data) goes to the log, not to the caller.
 */
export function maskUnexpected(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code in ErrorCodes && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  // A literal one of the hub's scalars refused (a DateTime of "xxx"): graphql-js reports the
  // scalar's BAD_USER_INPUT while validating and Apollo relabels it. The gateway cannot check such
  // literals (the supergraph's scalars take anything), so the subgraph's verdict is the caller's.
  if (code === 'GRAPHQL_VALIDATION_FAILED' && originalCode(error) === 'BAD_USER_INPUT') return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
  if (typeof code === 'string' && !(code in ErrorCodes)) return formatted; // Apollo's own validation codes
  const cause = unwrapResolverError(error);
  if (isUnstorableText(cause)) {
    return { message: 'Text must not contain the NUL character (U+0000).', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'BAD_USER_INPUT' } };
  }
  if (isDatabaseUnavailable(cause) || cause instanceof GraphUnavailableError) {
    logger.warn({ err: cause, path: formatted.path }, 'a dependency is unavailable');
    return { message: SERVICE_UNAVAILABLE_MESSAGE, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  logger.error({ err: cause, path: formatted.path }, 'unexpected resolver error');
  return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
