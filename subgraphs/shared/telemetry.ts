import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { GraphQLFormattedError } from 'graphql';
import type postgres from 'postgres';
import type { TracingSettings } from './env.ts';
import type { Logger } from './logger.ts';
import { metricsOn, observeGraphQLRequest, observeSubgraphFetch, operationLabel, outcomeLabel, startQuery } from './metrics.ts';

/**
 * Traces and request correlation. Tracing is OpenTelemetry, configured by the standard OTEL_*
 * variables (env.ts `tracing`) and started by each process's entry point (`startTracing`); when
 * they are unset no SDK is loaded and @opentelemetry/api stays a no-op. Spans: each GraphQL request
 * a server takes (the gateway's, and each subgraph's and province shard's, continuing the gateway's
 * trace from its W3C `traceparent`), @apollo/gateway's own (request, plan, fetch), each gateway
 * call to a subgraph or shard, and each SQL statement (`instrumentSql`).
 *
 * Every request also runs in a scope that holds its request id (made by the gateway, passed to
 * subgraphs in x-hub-request-id), which the logger puts on every line with the trace id.
 */

/** The gateway's request id on its subgraph calls (the x-hub- prefix: a client's copy never gets through the gateway). */
export const REQUEST_ID_HEADER = 'x-hub-request-id';

const tracer = trace.getTracer('epidemic-federation-hub');
let tracing: { shutdown(): Promise<void> } | undefined;

export function tracingOn(): boolean {
  return tracing !== undefined;
}

/**
 * Registers the OpenTelemetry SDK for this process: a sampler and an exporter from `settings`
 * (OTEL_*), the service name OTEL_SERVICE_NAME or `service`. `testExporter` (tests) takes every
 * span at once instead. Returns what flushes and stops it.
 */
export async function startTracing(settings: TracingSettings, service: string, testExporter?: SpanExporter): Promise<{ shutdown(): Promise<void> }> {
  if (tracing) return tracing;
  const sdk = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const ratio = new sdk.TraceIdRatioBasedSampler(settings.samplerArg);
  const root = { always_on: new sdk.AlwaysOnSampler(), always_off: new sdk.AlwaysOffSampler(), traceidratio: ratio };
  const [, parentBased, rootName] = /^(parentbased_)?(.*)$/.exec(settings.sampler) as unknown as [string, string | undefined, keyof typeof root];
  const sampler = parentBased ? new sdk.ParentBasedSampler({ root: root[rootName] }) : root[rootName];
  let processor;
  if (testExporter) processor = new sdk.SimpleSpanProcessor(testExporter);
  else if (settings.exporter === 'console') processor = new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter());
  else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const url = settings.endpoint ? `${settings.endpoint.replace(/\/$/, '')}/v1/traces` : undefined;
    processor = new sdk.BatchSpanProcessor(new OTLPTraceExporter(url ? { url } : {}));
  }
  const provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName ?? service }),
    sampler,
    spanProcessors: [processor],
  });
  // Also installs the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  tracing = {
    shutdown: async () => {
      tracing = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  return tracing;
}

interface RequestScope {
  requestId: string;
  /** Filled by recordRequestResult once the operation is answered; a refusal before it sets `outcome` only. */
  operation: string | null | undefined;
  outcome: string | undefined;
}
const scopes = new AsyncLocalStorage<RequestScope>();

export function currentRequestId(): string | undefined {
  return scopes.getStore()?.requestId;
}

/** The outcome of a request refused before Apollo saw it (an error code). */
export function setRequestOutcome(code: string): void {
  const scope = scopes.getStore();
  if (scope) scope.outcome = code;
}

/** pino's mixin: the request id and trace id of the request a log line is written in (a new object: pino merges the line into it). */
export function logCorrelation(): Record<string, string> {
  const fields: Record<string, string> = {};
  const requestId = scopes.getStore()?.requestId;
  if (requestId) fields.requestId = requestId;
  const span = tracing ? trace.getSpanContext(context.active()) : undefined;
  if (span) {
    fields.traceId = span.traceId;
    fields.spanId = span.spanId;
  }
  return fields;
}

export interface ObservedServer {
  /** The server's name in metrics and spans: gateway, units, …, province-79. */
  name: string;
  /**
   * Its callers are the gateway (subgraphs): continue the gateway's trace (traceparent) and keep its
   * request id. The gateway starts both anew: its callers are the public, who must not choose
   * which requests are sampled.
   */
  behindGateway: boolean;
  logger: Logger;
}

/**
 * Runs one GraphQL request in its scope (request id), inside a server span when tracing is on,
 * and records hub_graphql_request* when it has been answered.
 */
export function observeGraphQLHttp(server: ObservedServer, req: IncomingMessage, res: ServerResponse, handle: () => Promise<void>): Promise<void> {
  const header = server.behindGateway ? req.headers[REQUEST_ID_HEADER] : undefined;
  const scope: RequestScope = { requestId: typeof header === 'string' && header ? header.slice(0, 64) : randomUUID(), operation: undefined, outcome: undefined };
  const begun = performance.now();
  const finish = (span?: Span) => {
    // undefined: refused before Apollo read an operation; null: an operation without a name.
    const operation = scope.operation === undefined ? 'unknown' : operationLabel(scope.operation);
    const outcome = scope.outcome ?? (res.statusCode >= 500 ? 'INTERNAL_SERVER_ERROR' : res.statusCode >= 400 ? 'BAD_REQUEST' : 'ok');
    observeGraphQLRequest(server.name, operation, outcome, (performance.now() - begun) / 1000);
    server.logger.debug({ status: res.statusCode, operation, outcome, ms: Math.round(performance.now() - begun) }, 'graphql request');
    if (span) {
      span.setAttributes({ 'graphql.operation.name': operation, 'hub.outcome': outcome, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500 || outcome === 'INTERNAL_SERVER_ERROR') span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
  // A request that throws is answered 500 after this (createGraphQLHttpServer's catch).
  const run = (span?: Span) =>
    handle().then(
      () => finish(span),
      (error: unknown) => {
        scope.outcome = 'INTERNAL_SERVER_ERROR';
        finish(span);
        throw error;
      },
    );
  if (!tracing) return scopes.run(scope, run);
  const parent = server.behindGateway ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT;
  const attributes = { 'hub.server': server.name, 'hub.request_id': scope.requestId, 'http.request.method': req.method ?? 'GET', 'url.path': '/graphql' };
  return tracer.startActiveSpan(`${req.method ?? 'GET'} /graphql ${server.name}`, { kind: SpanKind.SERVER, attributes }, parent, (span) =>
    scopes.run(scope, () => run(span)),
  );
}

/** Tells the request's scope its operation name and outcome (the first error's code, or ok). */
export function recordRequestResult(operationName: string | null | undefined, errors: readonly GraphQLFormattedError[] | undefined): void {
  const scope = scopes.getStore();
  if (!scope) return;
  scope.operation = operationName;
  scope.outcome = errors?.length ? outcomeLabel(errors[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : 'ok';
}

/** recordRequestResult for a request Apollo Server answers (the gateway's). */
export const requestTelemetryPlugin: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ operationName, response }) {
        recordRequestResult(operationName, response.body.kind === 'single' ? response.body.singleResult.errors : undefined);
      },
    };
  },
};

/** Adds the active trace context's `traceparent` to the headers of an outgoing request. */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  if (tracing) propagation.inject(context.active(), headers);
  return headers;
}

/**
 * One call from the gateway to a subgraph or a province shard (province '' for national ones):
 * a client span around it (the subgraph's server span becomes its child) and hub_subgraph_fetch*.
 * A thrown error is a timeout or an unavailable subgraph; an answer with GraphQL errors is `errors`.
 */
export async function observeSubgraphCall<T extends { errors?: readonly unknown[] | undefined }>(subgraph: string, province: string, call: () => Promise<T>): Promise<T> {
  if (!tracing && !metricsOn()) return call();
  const begun = performance.now();
  const settle = (outcome: string, span: Span | undefined, error?: unknown) => {
    observeSubgraphFetch(subgraph, province, outcome, (performance.now() - begun) / 1000);
    if (!span) return;
    span.setAttribute('hub.outcome', outcome);
    if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
  };
  const run = async (span?: Span) => {
    try {
      const result = await call();
      settle(result.errors?.length ? 'errors' : 'ok', span);
      return result;
    } catch (error) {
      settle(error instanceof Error && /abort|timeout/i.test(`${error.name} ${error.message}`) ? 'timeout' : 'unavailable', span, error);
      throw error;
    }
  };
  if (!tracing) return run();
  const attributes = { 'hub.subgraph': subgraph, ...(province ? { 'hub.province': province } : {}) };
  return tracer.startActiveSpan(province ? `fetch ${subgraph} ${province}` : `fetch ${subgraph}`, { kind: SpanKind.CLIENT, attributes }, run);
}

const MAX_STATEMENT = 2_000;

/**
 * The postgres.js client with each statement observed: a `db.system=postgresql` client span (its
 * text in `db.statement`, cut at MAX_STATEMENT characters; parameters are never recorded) and
 * hub_db_queries*. drizzle's postgres-js driver sends every statement through `unsafe` (in
 * `sql.begin`'s transaction client for transactions); the hub's own statements are tagged templates
 * or `unsafe`; `reserve` hands out a connection that is observed alike. A statement is observed from
 * the moment it is awaited (postgres.js sends it then), so a fragment nested in another statement
 * is never run or counted on its own. Unchanged while metrics and tracing are both off.
 */
export function instrumentSql<T extends postgres.Sql>(sql: T, database: string): T {
  if (!tracing && !metricsOn()) return sql;
  return observed(sql, database);
}

function observed<T extends postgres.Sql>(sql: T, database: string): T {
  type Fn = (...args: unknown[]) => unknown;
  const wrapTransaction = (begin: Fn) => (...args: unknown[]) => {
    const callback = args.pop() as (transaction: postgres.Sql) => unknown;
    return begin(...args, (transaction: postgres.Sql) => callback(observed(transaction, database)));
  };
  const replaced: Record<string, Fn> = {
    unsafe: (text, ...rest) => watch((sql.unsafe as Fn)(text, ...rest), database, () => String(text)),
    begin: wrapTransaction(sql.begin as Fn),
    ...('savepoint' in sql ? { savepoint: wrapTransaction((sql as unknown as { savepoint: Fn }).savepoint) } : {}),
    reserve: async () => observed(await sql.reserve(), database),
  };
  return new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      const result = Reflect.apply(target, thisArg, args);
      const strings = args[0] as TemplateStringsArray | undefined;
      if (Array.isArray(strings) && 'raw' in strings) watch(result, database, () => strings.reduce((text, part, i) => `${text}$${i}${part}`));
      return result;
    },
    get(target, property, receiver) {
      return (typeof property === 'string' && replaced[property]) || Reflect.get(target, property, receiver);
    },
  });
}

/** Observes a postgres.js query (a lazy Promise) from its first `then`, which is what sends it. */
function watch(query: unknown, database: string, statement: () => string): unknown {
  if (!(query instanceof Promise)) return query;
  const pending = query as Promise<unknown> & { then: Promise<unknown>['then'] };
  pending.then = function (this: Promise<unknown>, ...args: Parameters<Promise<unknown>['then']>) {
    delete (pending as { then?: unknown }).then;
    const settle = begin(database, statement);
    Promise.prototype.then.call(pending, () => settle(undefined), (error: unknown) => settle(error ?? new Error('query failed')));
    return pending.then(...args);
  } as Promise<unknown>['then'];
  return query;
}

function begin(database: string, statement: () => string): (error: unknown) => void {
  const counted = metricsOn() ? startQuery(database) : undefined;
  let span: Span | undefined;
  if (tracing) {
    span = tracer.startSpan('postgresql', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.namespace': database, 'db.name': database } });
    if (span.isRecording()) {
      const text = statement();
      const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
      span.updateName(`${operation} ${database}`);
      span.setAttributes({ 'db.operation.name': operation, 'db.statement': text.length > MAX_STATEMENT ? `${text.slice(0, MAX_STATEMENT)}…` : text });
    }
  }
  return (error) => {
    counted?.(error !== undefined);
    if (!span) return;
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
  };
}
