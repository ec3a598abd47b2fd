import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from './graphql.ts';
import { BoundedMap } from './bounded-map.ts';

/**
 * A subgraph's GraphQL requests, executed by graphql-js without Apollo Server. A subgraph only
 * ever answers the gateway: POSTed JSON, no batching, no persisted queries, no incremental
 * delivery, no landing page. Apollo Server's pipeline around `execute` (content negotiation, CSRF
 * checks, query hashing, a dozen awaited plugin hooks per request) cost a subgraph request about
 * 140 µs of CPU more than this path (an entity look-up, one process, hot); in the reads bench at a
 * fixed rate the subgraphs' CPU per person card fell by a fifth. What Apollo did that the hub relies on
 * is kept, with the same error codes: documents parsed and validated once (GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED, 400), the operation picked by name (OPERATION_RESOLUTION_FAILURE,
 * 400), variables that do not coerce answered BAD_USER_INPUT, introspection off in production,
 * every error through the subgraph's `formatError` (error-masking.ts), and hooks for what must
 * happen before an answer leaves (the audit).
 */

/** What the hub does around a request (the audit); the counterpart of the Apollo plugin hooks it used. */
export interface RequestHooks<TContext> {
  /** The operation is known and about to run. */
  didResolveOperation?(context: TContext, operationName: string | null): void;
  /** Before the answer leaves: may return a different result to send instead (the audit withholds data it could not record). */
  willSendResponse?(context: TContext, result: FormattedExecutionResult, operationName: string | null): Promise<FormattedExecutionResult | void>;
  /** The request is over, however it ended (also when execution or a hook threw); after didResolveOperation only. */
  didEnd?(context: TContext): void;
}

export interface GraphQLRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

export interface ExecutedRequest {
  status: number;
  result: FormattedExecutionResult;
  /** Undefined when refused before an operation was read; null for an operation without a name. */
  operationName: string | null | undefined;
  /** The operation that ran, once one did (undefined when refused). */
  operation?: OperationDefinitionNode;
}

export interface ExecutorOptions<TContext> {
  hooks?: RequestHooks<TContext>[];
  /** Applied to every error of every answer (the subgraph's error masking). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Schema introspection (off in production, as Apollo Server's default was). */
  introspection: boolean;
  /** Parsed and validated documents kept (the gateway sends a few hundred distinct ones at most). */
  maxDocuments?: number;
}

const BODY_KEYS = new Set(['query', 'variables', 'operationName', 'extensions']);

export class SubgraphExecutor<TContext> {
  private readonly documents: BoundedMap<string, DocumentNode>;
  private readonly rules: readonly ValidationRule[];
  private readonly hooks: RequestHooks<TContext>[];

  constructor(
    readonly schema: GraphQLSchema,
    private readonly options: ExecutorOptions<TContext>,
  ) {
    this.rules = options.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
    this.hooks = options.hooks ?? [];
    this.documents = new BoundedMap(options.maxDocuments ?? 1_000);
  }

  /** Runs one request (the parsed JSON body) for a caller's context. */
  async run(body: unknown, context: TContext): Promise<ExecutedRequest> {
    const request = requestOf(body);
    if (request instanceof GraphQLError) return this.refused([request]);
    const document = this.documentOf(request.query);
    if (!('kind' in document)) return this.refused(document);
    const operation = getOperationAST(document, request.operationName);
    if (!operation) {
      const message = request.operationName ? `Unknown operation named "${request.operationName}".` : 'Must provide operation name if query contains multiple operations.';
      return this.refused([coded(message, 'OPERATION_RESOLUTION_FAILURE')]);
    }
    const operationName = operation.name?.value ?? null;
    try {
      for (const hook of this.hooks) hook.didResolveOperation?.(context, operationName);
      const executed = await execute({ schema: this.schema, document, operationName: request.operationName, variableValues: request.variables, contextValue: context });
      let result = this.format(executed.errors?.map((error) => (executed.data === undefined && isVariableError(error) ? asBadUserInput(error) : error)), executed.data, executed.extensions);
      for (const hook of this.hooks) result = (await hook.willSendResponse?.(context, result, operationName)) ?? result;
      return { status: 200, result, operationName, operation };
    } finally {
      for (const hook of this.hooks) hook.didEnd?.(context);
    }
  }

  /** The document of a query text, parsed and validated once; or the errors that refuse it. */
  private documentOf(query: string): DocumentNode | GraphQLError[] {
    const cached = this.documents.get(query);
    if (cached) {
      // Least recently used first in the map's order, so the oldest is the one evicted.
      this.documents.delete(query);
      this.documents.set(query, cached);
      return cached;
    }
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      const syntax = error as GraphQLError;
      return [new GraphQLError(syntax.message, { source: syntax.source, positions: syntax.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    }
    const invalid = validate(this.schema, document, this.rules);
    if (invalid.length > 0) {
      // originalError: a scalar's own refusal of a literal (its BAD_USER_INPUT), which formatError passes on.
      return invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, originalError: e.originalError ?? e, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    }
    this.documents.set(query, document);
    return document;
  }

  /** A request refused before any operation ran (400, no data). */
  private refused(errors: readonly GraphQLError[]): ExecutedRequest {
    return { status: 400, result: this.format(errors, undefined, undefined), operationName: undefined };
  }

  /** Each error as the caller sees it: its JSON form, a code (INTERNAL_SERVER_ERROR if it has none), then `formatError`. */
  private format(errors: readonly GraphQLError[] | undefined, data: FormattedExecutionResult['data'], extensions: FormattedExecutionResult['extensions']): FormattedExecutionResult {
    const formatted = errors?.map((error) => {
      const json = error.toJSON();
      return this.options.formatError({ ...json, extensions: { ...json.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' } }, error);
    });
    return { ...(formatted?.length ? { errors: formatted } : {}), ...(data !== undefined ? { data } : {}), ...(extensions ? { extensions } : {}) };
  }
}

function requestOf(body: unknown): { query: string; variables: Record<string, unknown> | undefined; operationName: string | undefined } | GraphQLError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return coded('A subgraph takes one GraphQL request, POSTed as a JSON object.', 'BAD_REQUEST');
  const request = body as GraphQLRequestBody;
  const unknown = Object.keys(request).find((key) => !BODY_KEYS.has(key));
  if (unknown !== undefined) return coded(`Unknown field "${unknown}" in the GraphQL request.`, 'BAD_REQUEST');
  if (typeof request.query !== 'string' || request.query === '') return coded('The GraphQL request must contain a non-empty `query`.', 'BAD_REQUEST');
  const { variables, operationName, extensions } = request;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return coded('`variables` must be a JSON object.', 'BAD_REQUEST');
  if (operationName != null && typeof operationName !== 'string') return coded('`operationName` must be a string.', 'BAD_REQUEST');
  // Persisted queries and other request extensions are not served here: refused, not ignored.
  if (extensions != null && (typeof extensions !== 'object' || Object.keys(extensions).length > 0)) return coded('Request extensions are not supported by a subgraph.', 'BAD_REQUEST');
  return { query: request.query, variables: (variables ?? undefined) as Record<string, unknown> | undefined, operationName: operationName ?? undefined };
}

function coded(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** A variable's value that does not coerce to its type (graphql-js's wording), as Apollo Server recognised it. */
function isVariableError(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const name = node.variable.name.value;
  return [`Variable "$${name}" got invalid value `, `Variable "$${name}" of required type `, `Variable "$${name}" of non-null type `].some((start) => error.message.startsWith(start));
}

function asBadUserInput(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError ?? error, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
}
