/**
 * One hub of tests/bench/observability.bench.ts, in a process of its own: tracing is per process
 * (the OpenTelemetry API is global, and @apollo/gateway holds on to the tracer it first gets).
 * Metrics on unless BENCH_METRICS=off (the launcher's seam); tracing as the OTEL_* variables say,
 * started before the hub as scripts/start.ts does. Prints its gateway URL as one JSON line and
 * stops on SIGTERM.
 */
import { startHub } from '../../hub/launch.ts';
import { DEV_SECRETS, parseEnv } from '../../subgraphs/shared/env.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { startTracing } from '../../subgraphs/shared/telemetry.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';

// eslint-disable-next-line no-process-env -- the benchmark hands this process its settings
const { BENCH_POSTGRES_URL, BENCH_DB_PREFIX, BENCH_METRICS } = process.env;
// NODE_ENV=production for the libraries (tests/bench/run.ts); the hub itself runs with development secrets.
// eslint-disable-next-line no-process-env -- OTEL_* as any hub process reads them
const env = parseEnv({ ...process.env, NODE_ENV: 'test' });
const tracing = env.tracing ? await startTracing(env.tracing, 'bench-hub') : undefined;
const hub = await startHub({
  postgresUrl: BENCH_POSTGRES_URL!,
  dbPrefix: BENCH_DB_PREFIX!,
  secrets: { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY },
  ports: 'random',
  provinceCodes: ['79'],
  seedDemo: true,
  supergraphPath: SUPERGRAPH_FILE,
  production: false,
  subgraphTimeoutMs: 10_000,
  provinceTimeoutMs: 5_000,
  maxBodyBytes: 1_000_000,
  logger: createLogger('bench-hub', 'warn'),
  tracingWorkers: false,
  metrics: BENCH_METRICS !== 'off',
});
process.stdout.write(`${JSON.stringify({ gatewayUrl: hub.gatewayUrl })}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await hub.stop();
    await tracing?.shutdown();
    process.exit(0);
  })();
});
