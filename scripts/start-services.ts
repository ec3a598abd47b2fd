/**
 * npm run start:services [-- --fresh] [-- --dist]
 * The same hub as `npm start`, on the same ports, as separate OS processes: one per service and one
 * for the workers, as production runs it (hub/services.ts). Each process is started from its own
 * entry point with only its environment; this script owns the embedded PostgreSQL (or uses
 * DATABASE_URL's server), seeds the demo data once the subgraphs have migrated their databases, and
 * stops every process on Ctrl-C. `--dist` runs the build (npm run build) with plain node.
 */
import { loadEnv } from '../subgraphs/shared/env.ts';
import { signCallerToken } from '../subgraphs/shared/identity.ts';
import { createLogger } from '../subgraphs/shared/logger.ts';
import { resolvePostgresServer } from '../subgraphs/shared/postgres-server.ts';
import { DEMO_PROVINCE_CODES } from '../subgraphs/shared/demo.ts';
import { seedDemoOnServer } from '../hub/launch.ts';
import { startServices, type RunningServices } from '../hub/services.ts';

const env = loadEnv();
const logger = createLogger('services', env.logLevel);
const postgres = await resolvePostgresServer({
  databaseUrl: env.postgres.url,
  embeddedDir: env.postgres.embeddedDir,
  embeddedPort: env.postgres.embeddedPort,
  fresh: process.argv.includes('--fresh'),
  logger,
});

let services: RunningServices | undefined;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping every service');
  await services?.stop();
  await postgres.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  services = await startServices({
    postgresUrl: postgres.url,
    dbPrefix: env.postgres.prefix,
    redisUrl: env.redisUrl,
    provinceCodes: DEMO_PROVINCE_CODES,
    runtime: process.argv.includes('--dist') ? 'dist' : 'tsx',
    env: { LOG_LEVEL: env.logLevel },
    logger,
    beforeGateway: () => seedDemoOnServer({ postgresUrl: postgres.url, dbPrefix: env.postgres.prefix, redisUrl: env.redisUrl, nationalIdKey: env.secrets.nationalIdKey, logger }),
  });
} catch (error) {
  logger.fatal({ err: error }, 'the services could not start');
  await postgres.stop();
  process.exit(1);
}

const token = await signCallerToken(env.secrets.jwt, { subject: 'dev-national-official', role: 'national_official', expiresIn: '12h' });
console.log(`
Hub ready, as separate processes:
${[...services.services.values()].map((s) => `  ${s.spec.name.padEnd(12)} pid ${String(s.pid).padEnd(8)} ${s.baseUrl}`).join('\n')}
  Gateway:  ${services.gatewayUrl}
  Token (national_official, 12 h):
    ${token}
Press Ctrl-C to stop.
`);
