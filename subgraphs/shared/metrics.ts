import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Processor, Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueBackend } from './queues.ts';

/**
 * Every metric of the hub, in one registry per process, served as `GET /metrics` in Prometheus'
 * text format. Every series carries the process's `service` label (gateway, units, province-79,
 * worker; `hub` for the all-in-one launcher, where every server's /metrics shows this one registry
 * and the `server` label tells the gateway's requests from each subgraph's).
 *
 *   hub_graphql_requests_total{server,operation,outcome}   GraphQL requests; outcome `ok` or the first error's code
 *   hub_graphql_request_duration_seconds{server,operation} their latency
 *   hub_subgraph_fetches_total{subgraph,province,outcome}  the gateway's calls to subgraphs and province shards
 *                                                          (outcome ok | errors | timeout | unavailable | unregistered)
 *   hub_subgraph_fetch_duration_seconds{subgraph,province} their latency
 *   hub_subgraph_up{subgraph}, hub_province_up{province}   1 when the gateway's last readiness probe found it up
 *   hub_queue_jobs{queue,state}                            jobs waiting, active, delayed, failed (read at each scrape)
 *   hub_job_duration_seconds{queue,outcome}                each attempt of a job (completed | failed)
 *   hub_job_retries_total{queue}, hub_job_failures_total{queue}  failed attempts that run again / that were the last
 *   hub_db_queries_total{database,outcome}                 statements sent (ok | error)
 *   hub_db_query_duration_seconds{database}                from sending to the answer, waiting for a connection included
 *   hub_db_queries_in_flight{database}                     statements sent and not yet answered (postgres.js does
 *                                                          not tell how many connections are open or busy)
 *   hub_audit_write_duration_seconds{subgraph,outcome}     one audit INSERT (a group commit of several requests)
 *   hub_audit_records_written_total{subgraph}              audit records stored
 *   hub_process_*, hub_nodejs_*                            prom-client's defaults: CPU, memory, heap, GC, event-loop lag
 *
 * Labels stay few: operation names are capped (anonymous operations are `anonymous`, names past
 * the cap `other`), provinces are two-digit codes, everything else is a fixed list.
 *
 * Nothing is recorded until the process calls `startMetrics` (every entry point does, and the
 * launcher unless told not to for the benchmark's baseline); the recording functions below are
 * then no-ops, and /metrics answers 404.
 */

const registry = new Registry();
let started = false;

const SECONDS_WEB = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SECONDS_DB = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
const SECONDS_JOB = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const registers = [registry];

const graphqlRequests = new Counter({
  name: 'hub_graphql_requests_total',
  help: 'GraphQL requests by server, operation name and outcome (ok, or the code of the first error).',
  labelNames: ['server', 'operation', 'outcome'] as const,
  registers,
});
const graphqlDuration = new Histogram({
  name: 'hub_graphql_request_duration_seconds',
  help: 'GraphQL request latency by server and operation name, from the first byte read to the last written.',
  labelNames: ['server', 'operation'] as const,
  buckets: SECONDS_WEB,
  registers,
});
const fetches = new Counter({
  name: 'hub_subgraph_fetches_total',
  help: "The gateway's calls to subgraphs and province shards (province empty for national subgraphs) by outcome: ok, errors (answered with GraphQL errors), timeout, unavailable, unregistered.",
  labelNames: ['subgraph', 'province', 'outcome'] as const,
  registers,
});
const fetchDuration = new Histogram({
  name: 'hub_subgraph_fetch_duration_seconds',
  help: "Latency of the gateway's calls to subgraphs and province shards.",
  labelNames: ['subgraph', 'province'] as const,
  buckets: SECONDS_WEB,
  registers,
});

const entityCache = new Counter({
  name: 'hub_gateway_entity_cache_total',
  help: "Entities the gateway looked up in its entity cache (gateway/entity-cache.ts), by subgraph and outcome: hit (served without calling the subgraph) or miss (asked of it).",
  labelNames: ['subgraph', 'outcome'] as const,
  registers,
});

type ProbeStates = Record<string, 'up' | 'down'>;
let readiness: (() => Promise<{ subgraphs: ProbeStates; provinces: ProbeStates }>) | undefined;
/** Both gauges read the gateway's last round of readiness probes (gateway/readiness.ts) when scraped. */
function readinessGauge(name: string, help: string, label: 'subgraph' | 'province', pick: (s: { subgraphs: ProbeStates; provinces: ProbeStates }) => ProbeStates) {
  return new Gauge({
    name,
    help,
    labelNames: [label],
    registers,
    async collect() {
      this.reset();
      if (!readiness) return;
      for (const [key, state] of Object.entries(pick(await readiness()))) this.set({ [label]: key }, state === 'up' ? 1 : 0);
    },
  });
}
readinessGauge('hub_subgraph_up', "1 when the gateway's last readiness probe found the national subgraph up, else 0.", 'subgraph', (s) => s.subgraphs);
readinessGauge('hub_province_up', "1 when the gateway's last readiness probe found the province shard up, else 0.", 'province', (s) => s.provinces);

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
const queues = new Set<Queue>();
new Gauge({
  name: 'hub_queue_jobs',
  help: 'Jobs per queue and state (waiting, active, delayed, failed), read from the queue at each scrape.',
  labelNames: ['queue', 'state'] as const,
  registers,
  async collect() {
    this.reset();
    await Promise.all(
      [...queues].map(async (queue) => {
        if (queue.closing) return void queues.delete(queue);
        // A queue whose Redis is away would hold the scrape until it is back: give up after a second.
        const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), 1_000).catch(() => undefined);
        for (const state of QUEUE_STATES) if (counts) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }),
    );
  },
});
const jobDuration = new Histogram({
  name: 'hub_job_duration_seconds',
  help: 'Duration of each attempt of a job, by queue and outcome (completed, failed).',
  labelNames: ['queue', 'outcome'] as const,
  buckets: SECONDS_JOB,
  registers,
});
const jobRetries = new Counter({ name: 'hub_job_retries_total', help: 'Failed job attempts that will run again, by queue.', labelNames: ['queue'] as const, registers });
const jobFailures = new Counter({ name: 'hub_job_failures_total', help: 'Jobs failed for good (their last attempt, or an unrecoverable error), by queue.', labelNames: ['queue'] as const, registers });

const dbQueries = new Counter({ name: 'hub_db_queries_total', help: 'SQL statements sent, by database and outcome (ok, error).', labelNames: ['database', 'outcome'] as const, registers });
const dbDuration = new Histogram({
  name: 'hub_db_query_duration_seconds',
  help: "SQL statement latency by database, from sending (waiting for a pool connection included) to the answer.",
  labelNames: ['database'] as const,
  buckets: SECONDS_DB,
  registers,
});
const dbInFlight = new Gauge({
  name: 'hub_db_queries_in_flight',
  help: 'SQL statements sent and not yet answered, by database (queued for a connection or running).',
  labelNames: ['database'] as const,
  registers,
});

const auditDuration = new Histogram({
  name: 'hub_audit_write_duration_seconds',
  help: 'Latency of one audit INSERT (a group commit of the records of one or more requests), by subgraph and outcome (ok, error).',
  labelNames: ['subgraph', 'outcome'] as const,
  buckets: SECONDS_DB,
  registers,
});
const auditRecords = new Counter({ name: 'hub_audit_records_written_total', help: 'Audit records stored, by subgraph.', labelNames: ['subgraph'] as const, registers });

/** Turns recording on for this process, every series labelled with `service`. Later calls change nothing. */
export function startMetrics(service: string): void {
  if (started) return;
  started = true;
  registry.setDefaultLabels({ service });
  // The event-loop delay histogram samples every 100 ms, not prom-client's 10: a timer every 10 ms
  // cost each process about 5 ms of CPU a second at rest (thirteen processes in the demo hub, 34
  // province shards in production), and a loop blocked long enough to matter still shows at 100.
  collectDefaultMetrics({ register: registry, prefix: 'hub_', eventLoopMonitoringPrecision: 100 });
}

export function metricsOn(): boolean {
  return started;
}

/** The registry in Prometheus' text format; undefined while metrics are off. */
export async function metricsText(): Promise<string | undefined> {
  return started ? registry.metrics() : undefined;
}

/** GET /metrics: the registry in Prometheus' text format (404 while metrics are off). */
export async function metricsRoute(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await metricsText();
  if (text === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  else res.writeHead(200, { 'content-type': registry.contentType }).end(text);
}

const MAX_OPERATIONS = 100;
const operations = new Set<string>();
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,79}$/;

/**
 * The `operation` label of a request: its operation's name, without the suffix the gateway adds to
 * its subgraph fetches (`PersonCard__declarations__0` → `PersonCard`); `anonymous` without a name;
 * `other` past the first MAX_OPERATIONS names, so a client inventing names cannot grow the series.
 */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  const client = name.replace(/__[A-Za-z0-9]+__\d+$/, '');
  if (operations.has(client)) return client;
  if (!GRAPHQL_NAME.test(client) || operations.size >= MAX_OPERATIONS) return 'other';
  operations.add(client);
  return client;
}

/** An error code as a label: the hub's and Apollo's codes are upper-case words; anything else is `OTHER`. */
export function outcomeLabel(code: unknown): string {
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,47}$/.test(code) ? code : 'OTHER';
}

export function observeGraphQLRequest(server: string, operation: string, outcome: string, seconds: number): void {
  if (!started) return;
  graphqlRequests.inc({ server, operation, outcome });
  graphqlDuration.observe({ server, operation }, seconds);
}

export function observeSubgraphFetch(subgraph: string, province: string, outcome: string, seconds: number | undefined): void {
  if (!started) return;
  fetches.inc({ subgraph, province, outcome });
  if (seconds !== undefined) fetchDuration.observe({ subgraph, province }, seconds);
}

export function countEntityCache(subgraph: string, hits: number, misses: number): void {
  if (!started) return;
  if (hits > 0) entityCache.inc({ subgraph, outcome: 'hit' }, hits);
  if (misses > 0) entityCache.inc({ subgraph, outcome: 'miss' }, misses);
}

/** The gateway's readiness probes feed hub_subgraph_up and hub_province_up; the returned function stops that. */
export function watchReadiness(source: () => Promise<{ subgraphs: ProbeStates; provinces: ProbeStates }>): () => void {
  readiness = source;
  return () => {
    if (readiness === source) readiness = undefined;
  };
}

/**
 * Each database's metric children, made once: every SQL statement updates three metrics, and
 * prom-client otherwise hashes the label object on every update.
 */
const dbChildren = new Map<string, { inFlight: ReturnType<typeof dbInFlight.labels>; ok: ReturnType<typeof dbQueries.labels>; error: ReturnType<typeof dbQueries.labels>; duration: ReturnType<typeof dbDuration.labels> }>();
function childrenOf(database: string) {
  let children = dbChildren.get(database);
  if (!children) {
    children = { inFlight: dbInFlight.labels(database), ok: dbQueries.labels(database, 'ok'), error: dbQueries.labels(database, 'error'), duration: dbDuration.labels(database) };
    dbChildren.set(database, children);
  }
  return children;
}

/** A statement sent to `database`; call the returned function when it is answered. */
export function startQuery(database: string): (failed: boolean) => void {
  const started = performance.now();
  const children = childrenOf(database);
  children.inFlight.inc();
  return (failed) => {
    children.inFlight.dec();
    (failed ? children.error : children.ok).inc();
    children.duration.observe((performance.now() - started) / 1000);
  };
}

/** One audit INSERT of `records` records, timed. */
export async function timeAuditWrite(subgraph: string, records: number, write: () => Promise<void>): Promise<void> {
  if (!started) return write();
  const begun = performance.now();
  try {
    await write();
    auditRecords.inc({ subgraph }, records);
    auditDuration.observe({ subgraph, outcome: 'ok' }, (performance.now() - begun) / 1000);
  } catch (error) {
    auditDuration.observe({ subgraph, outcome: 'error' }, (performance.now() - begun) / 1000);
    throw error;
  }
}

/**
 * The queue backend with its queues watched for hub_queue_jobs and its workers' jobs timed and
 * counted (hub_job_*); unchanged while metrics are off.
 */
export function observeQueues(backend: QueueBackend): QueueBackend {
  if (!started) return backend;
  return {
    ...backend,
    createQueue: <T>(name: string, defaultJobOptions: Parameters<QueueBackend['createQueue']>[1]) => {
      const queue = backend.createQueue<T>(name, defaultJobOptions);
      queues.add(queue as Queue);
      return queue;
    },
    createWorker: (name, processor, options) => backend.createWorker(name, observedProcessor(name, processor), options),
  };
}

function observedProcessor<T, R>(queue: string, processor: Processor<T, R>): Processor<T, R> {
  return async (job, token, signal) => {
    const begun = performance.now();
    try {
      const result = await processor(job, token, signal);
      jobDuration.observe({ queue, outcome: 'completed' }, (performance.now() - begun) / 1000);
      return result;
    } catch (error) {
      jobDuration.observe({ queue, outcome: 'failed' }, (performance.now() - begun) / 1000);
      // As BullMQ decides: an UnrecoverableError or the last allowed attempt fails the job for good.
      const last = (error as Error | undefined)?.name === 'UnrecoverableError' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      (last ? jobFailures : jobRetries).inc({ queue });
      throw error;
    }
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
