import { createHash } from 'node:crypto';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import { GraphQLError, print, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from '../subgraphs/shared/graphql.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import type { GatewayContext } from './auth.ts';
import { findOperation, pruneOperation, type Denial } from './authorization/prune.ts';
import { describeRequirements, readRequirements, type SchemaRequirements } from './authorization/requirements.ts';
import { callerKey, callerOf } from './authorization/scopes.ts';

export { pruneOperation, type Denial, type PruneResult } from './authorization/prune.ts';
export {
  ENFORCED_FEATURES,
  describeRequirements,
  readRequirements,
  satisfies,
  supergraphForGateway,
  type Caller,
  type Requirement,
  type SchemaRequirements,
} from './authorization/requirements.ts';
export { callerOf, ROLE_SCOPES, SCOPES, type Scope } from './authorization/scopes.ts';

export interface AuthorizationOptions {
  logger: Logger;
  /** Pruning verdicts kept per (operation, caller scopes); default 2,000. */
  cacheSize?: number;
}

/** What one operation becomes for one set of scopes; the errors are made fresh per request. */
type Verdict =
  | { kind: 'unchanged' }
  | { kind: 'pruned'; document: DocumentNode; operation: OperationDefinitionNode; source: string; queryHash: string; denials: Denial[] }
  | { kind: 'refused'; denials: Denial[] };

interface Current {
  schema: GraphQLSchema;
  requirements: SchemaRequirements;
  verdicts: Map<string, Verdict>;
}

/**
 * The supergraph's `@authenticated` / `@requiresScopes`, enforced before @apollo/gateway plans an
 * operation (DESIGN.md, "Trust"). Wraps the gateway Apollo Server runs: its executor receives
 * each validated operation, removes what the caller may not use (./authorization/prune.ts), hands
 * the rest to @apollo/gateway (with its own query hash, so query plans are cached per pruned
 * document) and adds one FORBIDDEN error per removed field to the result. Those errors then take
 * Apollo's normal path (didEncounterErrors, formatError), like any other execution error.
 *
 * Requirements are read from the very supergraph @apollo/gateway loaded (`coreSupergraphSdl` of
 * every load and update, the file without its `for: SECURITY` marker), so a reloaded file changes
 * both at once. With no requirements for the schema in service the request is refused.
 *
 * Why here, not in a plugin: a plugin cannot hand @apollo/gateway another document without also
 * fixing the query hash its plan cache is keyed by, and errors added after execution would bypass
 * Apollo's error formatting; the executor is the one place that sees the document that is planned
 * and returns errors Apollo still formats.
 */
export function enforceSchemaRequirements(gateway: GatewayInterface, options: AuthorizationOptions): GatewayInterface {
  const { logger } = options;
  const cacheSize = options.cacheSize ?? 2_000;
  let current: Current | undefined;

  // Registered before Apollo Server loads the gateway, so it sees the first schema and every update.
  const unsubscribe = gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    try {
      current = { schema: apiSchema, requirements: readRequirements(coreSupergraphSdl), verdicts: new Map() };
      logger.info({ protectedFields: current.requirements.fields.size, protectedTypes: current.requirements.types.size }, 'schema requirements loaded');
    } catch (error) {
      // supergraphForGateway read the same text before handing it over, so this does not happen;
      // if it did, refuse every request rather than serve the schema unprotected.
      current = undefined;
      logger.error({ err: error }, 'schema requirements unreadable; refusing requests');
    }
  });

  const verdictFor = (state: Current, context: GatewayGraphQLRequestContext<GatewayContext>): { verdict: Verdict; denials: Denial[] } => {
    const caller = callerOf(context.context.identity);
    const operationName = context.request.operationName ?? null;
    const key = `${context.queryHash}\u0000${operationName ?? ''}\u0000${callerKey(caller)}`;
    let verdict = state.verdicts.get(key);
    if (!verdict) {
      const { document, denials } = pruneOperation(state.schema, state.requirements, context.document, operationName, caller);
      if (denials.length === 0) verdict = { kind: 'unchanged' };
      else if (!document) verdict = { kind: 'refused', denials };
      else {
        const source = print(document);
        const operation = findOperation(document, operationName);
        if (!operation) throw new Error('the pruned document lost its operation');
        verdict = { kind: 'pruned', document, operation, source, queryHash: createHash('sha256').update(source).digest('hex'), denials };
      }
      if (state.verdicts.size >= cacheSize) state.verdicts.clear();
      state.verdicts.set(key, verdict);
    }
    return { verdict, denials: verdict.kind === 'unchanged' ? [] : verdict.denials };
  };

  const authorize =
    (executor: GatewayExecutor): GatewayExecutor =>
    async (requestContext) => {
      const context = requestContext as GatewayGraphQLRequestContext<GatewayContext>;
      const state = current;
      if (!state) return { errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
      const { verdict, denials } = verdictFor(state, context);
      if (verdict.kind === 'unchanged') return executor(requestContext);

      const errors = denials.map(denialError);
      logger.debug(
        { requestId: context.context.requestId, denied: denials.map((d) => ({ path: d.path.join('.'), coordinate: d.coordinate })) },
        'operation pruned: fields the caller may not use',
      );
      if (verdict.kind === 'refused') return { data: null, errors };
      const result = await executor({
        ...requestContext,
        document: verdict.document,
        operation: verdict.operation,
        source: verdict.source,
        queryHash: verdict.queryHash,
        request: { ...requestContext.request, query: verdict.source },
      });
      return { ...result, errors: [...errors, ...(result.errors ?? [])] };
    };

  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    async load(loadOptions) {
      const loaded = await gateway.load(loadOptions);
      return loaded.executor ? { ...loaded, executor: authorize(loaded.executor) } : loaded;
    },
    async stop() {
      unsubscribe();
      await gateway.stop();
    },
  };
}

/** The caller-facing error for one removed selection: FORBIDDEN, its path, what it needs. */
export function denialError(denial: Denial): GraphQLError {
  const what = denial.coordinate.includes('.') ? denial.coordinate : `the type ${denial.coordinate}`;
  return new GraphQLError(`Forbidden: ${what} requires ${describeRequirements(denial.unmet)}; it was left out of the operation.`, {
    nodes: [denial.node],
    path: denial.path,
    extensions: { code: 'FORBIDDEN' },
  });
}
