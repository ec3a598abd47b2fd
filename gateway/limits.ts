import { HeaderMap, type ApolloServerOptions, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError } from '../subgraphs/shared/graphql.ts';
import { LIMIT_DEFAULTS, type HubEnv } from '../subgraphs/shared/env.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import type { GatewayContext } from './auth.ts';
import { OperationCosts } from './limits/cost.ts';
import { formatGatewayError, type ErrorOrigin } from './limits/errors.ts';
import { INTROSPECTION_ROLES, usesIntrospection } from './limits/introspection.ts';
import { LIMIT_MESSAGES, operationShapeRule } from './limits/shape.ts';

export { DEFAULT_LIST_SIZE, OperationCosts, operationCost } from './limits/cost.ts';
export { INTROSPECTION_ROLES, usesIntrospection } from './limits/introspection.ts';
export { checkOperationShape, LIMIT_MESSAGES, type LimitName } from './limits/shape.ts';
export { withoutSuggestions } from './limits/errors.ts';

/**
 * Operation limits at the gateway (DESIGN.md, "Trust"). The first five come from the LIMIT_*
 * variables (subgraphs/shared/env.ts); the request body limit is MAX_BODY_BYTES, enforced by the
 * shared HTTP layer before Apollo sees the request.
 */
export interface Limits {
  /** Levels of nested fields (inline fragments and spreads are not levels; `__schema` is bounded by graphql-js). */
  maxDepth: number;
  /** Aliases in an operation, `__typename` included. */
  maxAliases: number;
  /** Directives in an operation. */
  maxDirectives: number;
  /** Lexical tokens in the document (graphql-js stops parsing past it). */
  maxTokens: number;
  /** Operation cost; see `operationCost`. */
  maxCost: number;
  /** Copies of one response key (or one fragment spread) in a selection set. Not an environment variable. */
  maxFieldRepeats?: number;
}

export const DEFAULT_MAX_FIELD_REPEATS = 20;

/** The gateway's limits when none are configured: the LIMIT_* defaults. */
export const DEFAULT_LIMITS: Required<Limits> = { ...LIMIT_DEFAULTS, maxFieldRepeats: DEFAULT_MAX_FIELD_REPEATS };

/** The limits an environment configures. */
export function limitsFromEnv(env: HubEnv): Required<Limits> {
  return { ...DEFAULT_LIMITS, ...env.gateway.limits };
}

export interface HardeningOptions {
  production: boolean;
  limits?: Partial<Limits>;
  logger: Logger;
}

/** The ApolloServer options that `gatewayHardening` sets; spread them into `new ApolloServer({ … })`. */
export type GatewayHardening = Required<
  Pick<
    ApolloServerOptions<GatewayContext>,
    | 'plugins'
    | 'validationRules'
    | 'validationOptions'
    | 'parseOptions'
    | 'formatError'
    | 'introspection'
    | 'hideSchemaDetailsFromClientErrors'
    | 'includeStacktraceInErrorResponses'
    | 'allowBatchedHttpRequests'
    | 'csrfPrevention'
  >
>;

/**
 * Everything the gateway needs to refuse abusive operations and to say no more than it should:
 *
 * - parse: `maxTokens` (graphql-js' parser stops there);
 * - validation, before graphql-js' own rules do real work: fragment cycles, then depth, aliases
 *   (`__typename` too) and directives (graphql-armor), and repeated fields (./limits/shape.ts);
 * - per request, once the operation is known (variables included): cost (./limits/cost.ts), and in
 *   production introspection only for officials (the cached document is not re-validated, so a
 *   role check cannot be a validation rule);
 * - transport: no array batching, CSRF prevention (a simple form POST or a GET without a
 *   preflight header is refused), no GET mutations (Apollo refuses those with 405 itself), no
 *   landing page;
 * - errors: no stack traces; limit messages without the configured numbers; in production no
 *   field suggestions and execution errors reduced to a code and the request id (./limits/errors.ts).
 */
export function gatewayHardening(options: HardeningOptions): GatewayHardening {
  const limits: Required<Limits> = { ...DEFAULT_LIMITS, ...definedOnly(options.limits ?? {}) };
  const { production, logger } = options;
  const origins = new WeakMap<object, ErrorOrigin>();
  const costs = new OperationCosts();

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      let executing = false;
      return {
        async didResolveOperation({ document, operation, schema, request, contextValue }) {
          // A document without the operation asked for is the caller's mistake (the gateway's
          // executor would otherwise fail on it with a 500).
          if (!operation) {
            throw refusal('BAD_REQUEST', 400, request.operationName ? `Unknown operation named "${request.operationName}".` : 'The document holds several operations: name one in operationName.');
          }
          if (production && !INTROSPECTION_ROLES.has(contextValue.identity.role) && usesIntrospection(document, operation)) {
            throw refusal('FORBIDDEN', 403, 'Introspection is available to national and province officials only.');
          }
          const cost = costs.costOf(schema, document, operation, request.variables ?? {});
          if (cost > limits.maxCost) {
            logger.info({ requestId: contextValue.requestId, cost, operationName: operation.name?.value }, 'operation refused: cost limit');
            throw refusal('GRAPHQL_VALIDATION_FAILED', 400, LIMIT_MESSAGES.cost, { limit: 'cost' });
          }
        },
        async executionDidStart() {
          executing = true;
        },
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) origins.set(error, { requestId: contextValue.requestId, execution: executing });
        },
      };
    },
  };

  return {
    // No cache-control hints: answers depend on the caller and are never cached over HTTP. No
    // landing page: Apollo's loads scripts and fonts from other hosts (browsers go to /explorer/).
    plugins: [plugin, ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
    validationRules: [operationShapeRule(limits)],
    // graphql-js leaves suggestions out of validation messages; Apollo's own plugin strips any left.
    validationOptions: { hideSuggestions: production },
    hideSchemaDetailsFromClientErrors: production,
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: (formatted: GraphQLFormattedError, error: unknown) => formatGatewayError(formatted, error, { production, logger, origins }),
    // Introspection is gated per request by the plugin above (officials only in production).
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // Apollo Server 5's defaults, stated so that a change of default cannot loosen them.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
  };
}

function refusal(code: string, status: number, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code, http: { status, headers: new HeaderMap() } } });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
