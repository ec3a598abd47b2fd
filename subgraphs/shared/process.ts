/**
 * What every hub process does around its own work, the gateway's included: metrics and traces,
 * and a clean stop on SIGTERM. Kept apart from run.ts, whose subgraph runner opens databases and
 * queues: the gateway imports only this, so it does not load drizzle, postgres.js or BullMQ.
 */
import type { HubEnv } from './env.ts';
import { closeServer, createOpsServer, listen } from './http.ts';
import type { Logger } from './logger.ts';
import { metricsRoute, startMetrics } from './metrics.ts';
import { startTracing } from './telemetry.ts';

/**
 * A service process's metrics and traces: its metrics registry (every series labelled `service`),
 * OpenTelemetry when the OTEL_* variables ask for it, and in production /metrics on METRICS_PORT
 * (the public port does not serve it; in development the service's own port does). Call it
 * before opening databases, so that their statements are observed. Returns what stops it.
 */
export async function startObservability(env: HubEnv, service: string, logger: Logger): Promise<() => Promise<void>> {
  startMetrics(service);
  const tracing = env.tracing ? await startTracing(env.tracing, service) : undefined;
  if (tracing) logger.info({ exporter: env.tracing?.exporter, sampler: env.tracing?.sampler }, 'tracing on');
  const metrics = env.production ? createOpsServer({ '/metrics': metricsRoute }, logger) : undefined;
  if (metrics) logger.info({ url: `${await listen(metrics, env.metricsPort, env.gateway.host)}/metrics` }, 'metrics served');
  return async () => {
    if (metrics) await closeServer(metrics);
    await tracing?.shutdown();
  };
}

/**
 * Stops the process cleanly on SIGINT/SIGTERM: `stop` drains (the HTTP server finishes its
 * requests, workers their jobs) and closes; a stop that takes longer than `graceMs` exits at once.
 * A second signal changes nothing: Ctrl-C reaches every process of the terminal's group and
 * `npm run start:services` then sends its own SIGTERM, and neither may cut the drain short.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, graceMs = 10_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error({ graceMs }, 'stop took too long; exiting');
      process.exit(1);
    }, graceMs).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
