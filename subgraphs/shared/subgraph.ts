import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { BaseContext } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { Kind, parse, Source, valueFromASTUntyped, type DocumentNode, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { entitiesFieldOf } from './selection.ts';
import { maskUnexpected } from './error-masking.ts';
import { SubgraphExecutor, type RequestHooks } from './executor.ts';
import { closeServer, createGraphQLHttpServer, listen, sendJson, type GraphQLResponder, type Route } from './http.ts';
import { INTERNAL_TOKEN_HEADER, VerifiedTokenCache, verifyInternalToken, type Identity } from './identity.ts';
import type { Logger } from './logger.ts';
import { metricsRoute } from './metrics.ts';
import { recordRequestResult, setRequestOutcome } from './telemetry.ts';

export type Resolvers<TContext> = GraphQLResolverMap<TContext>;

/** `publicEntities`: every field of the type (and of the types below it) is public. */
export const EVERY_FIELD = '*';

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
  /** What this subgraph does around each request (its audit, written before each response leaves). */
  hooks?: RequestHooks<TContext>[];
  /** Releases what the definition holds besides the database (e.g. a queue's connection), once the server has stopped. */
  close?(): Promise<void>;
  /** Plain HTTP routes besides GraphQL, without the internal token (vaccination's public key set, which the gateway relays). */
  routes?: Record<string, Route>;
  /**
   * Entity fields that are the same for every caller (public reference data: units' wards and
   * provinces, a province's hotline and quarantine facilities), by type: the field names (each with
   * whatever it selects below), or EVERY_FIELD. An answer that only resolves such entities and asks only such fields
   * (`_entities`, no error) says `cache-control: public, max-age=<maxAgeSeconds>`, and the gateway
   * serves those entities from its entity cache (gateway/entity-cache.ts) for that long without
   * calling the subgraph. Every other answer says `no-store`. Absent: nothing this subgraph
   * answers is cached.
   */
  publicEntities?: { types: Readonly<Record<string, readonly string[] | typeof EVERY_FIELD>>; maxAgeSeconds: number };
}

/**
 * A definition whose context type is erased: what a module's `build` hands to the launcher, which
 * only passes it to `buildSubgraphService` and never makes a context or calls a resolver itself.
 * The context type only has to agree within one definition (its createContext, resolvers and
 * hooks), which each subgraph's own builder checks (`unitsSubgraph(): SubgraphDefinition<UnitsContext>`).
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
  /** In production /metrics is not on the service's port (the process serves it on METRICS_PORT), and introspection is refused. */
  production?: boolean;
  /** Its name in metrics and spans (default the definition's name; a province shard: province-<code>). */
  serverName?: string;
}

export interface SubgraphService {
  name: string;
  /** Runs a request in-process (tests: a resolver's answer without HTTP). */
  executor: SubgraphExecutor<BaseContext>;
  http: Server;
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Builds (does not start) a subgraph: its executor (executor.ts) over `buildSubgraphSchema`, behind
 * the shared HTTP layer, refusing any request that lacks the gateway's internal token. The service
 * only hands the definition's own contexts to its own resolvers and hooks, so it takes any
 * definition (`AnySubgraphDefinition`).
 */
export async function buildSubgraphService(definition: AnySubgraphDefinition, options: SubgraphServiceOptions): Promise<SubgraphService> {
  const logger = options.logger;
  const executor = new SubgraphExecutor<BaseContext>(buildSubgraphSchema([{ typeDefs: definition.typeDefs, resolvers: definition.resolvers as never }]), {
    hooks: definition.hooks,
    formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
    introspection: !options.production,
  });

  const tokens = new VerifiedTokenCache((token) => verifyInternalToken(options.internalTokenSecret, token));
  const http = createGraphQLHttpServer<BaseContext>({
    respond: executorResponder(executor, definition.publicEntities),
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
    executor,
    http,
    listen: (port, host) => listen(http, port, host),
    stop: async () => {
      await closeServer(http);
      await definition.close?.();
    },
  };
}

const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json; charset=utf-8']];
const NOT_STORED: Array<[string, string]> = [...JSON_HEADERS, ['cache-control', 'no-store']];

/** A subgraph's GraphQL over HTTP: a JSON POST (what the gateway sends), answered as JSON; anything else refused. */
function executorResponder(executor: SubgraphExecutor<BaseContext>, publicEntities: SubgraphDefinition<BaseContext>['publicEntities']): GraphQLResponder<BaseContext> {
  const publicAnswer: Array<[string, string]> | undefined = publicEntities && [...JSON_HEADERS, ['cache-control', `public, max-age=${publicEntities.maxAgeSeconds}`]];
  const isPublic = publicEntities && publicEntityFetch(publicEntities.types);
  return async (request, context) => {
    if (request.method !== 'POST') {
      setRequestOutcome('BAD_REQUEST');
      const refusal = { errors: [{ message: 'A subgraph takes GraphQL requests POSTed as JSON.', extensions: { code: 'BAD_REQUEST' } }] };
      return { status: 405, headers: [...NOT_STORED, ['allow', 'POST']], body: JSON.stringify(refusal) };
    }
    const { status, result, operationName, operation } = await executor.run(request.body, context);
    recordRequestResult(operationName, result.errors);
    const cacheable = publicAnswer && isPublic && status === 200 && !result.errors && operation && isPublic(operation, request.body);
    return { status, headers: cacheable ? publicAnswer : NOT_STORED, body: JSON.stringify(result) };
  };
}

/**
 * Whether a request that ran is an entity fetch (selection.ts `entitiesFieldOf`) whose
 * representations all name one of `types` and whose selection asks only their public fields
 * (inline fragments only: a named fragment is not looked into, and makes the answer not public).
 */
function publicEntityFetch(types: NonNullable<SubgraphDefinition<BaseContext>['publicEntities']>['types']): (operation: OperationDefinitionNode, body: unknown) => boolean {
  const publicSelection = new WeakMap<OperationDefinitionNode, FieldNode | null>();
  const asksOnlyPublicFields = (field: FieldNode) =>
    (field.selectionSet?.selections ?? []).every((selection) => {
      if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) return false;
      const type = selection.typeCondition.name.value;
      if (!Object.hasOwn(types, type)) return false;
      const allowed = types[type]!;
      return allowed === EVERY_FIELD || selection.selectionSet.selections.every((s) => s.kind === Kind.FIELD && (s.name.value === '__typename' || allowed.includes(s.name.value)));
    });
  return (operation, body) => {
    let field = publicSelection.get(operation);
    if (field === undefined) {
      const entities = entitiesFieldOf(operation);
      publicSelection.set(operation, (field = entities && asksOnlyPublicFields(entities) ? entities : null));
    }
    const argument = field?.arguments?.find((a) => a.name.value === 'representations')?.value;
    if (!argument) return false;
    const variables = (body as { variables?: Record<string, unknown> }).variables;
    const representations = valueFromASTUntyped(argument, variables);
    return Array.isArray(representations) && representations.every((r) => Object.hasOwn(types, (r as { __typename?: unknown } | null)?.__typename as string));
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

