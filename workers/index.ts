/**
 * The worker process: the background jobs of every subgraph (subgraphs/<name>/jobs/), or of those
 * named in WORKER_JOBS (e.g. `tracing,checkins-maintenance`). It needs only its configuration:
 * DATABASE_URL (each job works on its subgraph's own database), REDIS_URL (or the PostgreSQL
 * queues), GATEWAY_URL and JWT_SECRET (jobs ask the graph as the `service` role). Answers /health
 * and /ready (databases and queues reachable) on PORT (default 4090), and /metrics there too
 * (in production on METRICS_PORT).
 *   npx tsx workers/index.ts        node dist/workers/index.js
 */
import { loadEnv } from '../subgraphs/shared/env.ts';
import { createLogger } from '../subgraphs/shared/logger.ts';
import { createOpsServer, closeServer, listen, sendJson } from '../subgraphs/shared/http.ts';
import { metricsRoute } from '../subgraphs/shared/metrics.ts';
import { startObservability, stopOnSignals } from '../subgraphs/shared/process.ts';
import { ServiceResources } from '../subgraphs/shared/run.ts';
import { SUBGRAPH_MODULES } from '../subgraphs/modules.ts';

export const WORKER_PORT = 4090;

const env = loadEnv();
const logger = createLogger('worker', env.logLevel);
// Province shards run their own jobs (each its own database and process: shared/run.ts).
const withJobs = Object.values(SUBGRAPH_MODULES).filter((module) => module.jobs && module.name !== 'province');
const unknown = (env.jobs.only ?? []).filter((name) => !withJobs.some((module) => module.jobs!.name === name));
if (unknown.length) {
  console.error(`WORKER_JOBS names unknown jobs: ${unknown.join(', ')} (known: ${withJobs.map((m) => m.jobs!.name).join(', ')})`);
  process.exit(1);
}
const selected = withJobs.filter((module) => !env.jobs.only || env.jobs.only.includes(module.jobs!.name));

const stopObservability = await startObservability(env, 'worker', logger);
const resources = await ServiceResources.open(env, logger);
const databases = new Map<string, Awaited<ReturnType<ServiceResources['database']>>>();
const ops = createOpsServer(
  {
    '/health': (_req, res) => sendJson(res, 200, { status: 'ok', service: 'worker', jobs: selected.map((m) => m.jobs!.name) }),
    '/ready': async (_req, res) => {
      const checks = await Promise.all([...databases].map(async ([name, db]) => [name, await db.sql`select 1`.then(() => 'up', () => 'down')] as const));
      const ready = checks.every(([, state]) => state === 'up');
      sendJson(res, ready ? 200 : 503, { ready, databases: Object.fromEntries(checks) });
    },
    // Queue depth and jobs (hub_queue_jobs, hub_job_*); in production on METRICS_PORT instead.
    ...(env.production ? {} : { '/metrics': metricsRoute }),
  },
  logger,
);
stopOnSignals(logger, async () => {
  await closeServer(ops);
  await resources.close();
  await stopObservability();
});

for (const module of selected) {
  const database = await resources.database(module);
  databases.set(module.name, database);
  await resources.startJobs(module, database);
}
const url = await listen(ops, env.service.port ?? WORKER_PORT, env.gateway.host);
logger.info({ url, jobs: selected.map((m) => m.jobs!.name) }, 'worker running');
