/**
 * npm run db:migrate [-- --province 01,24,79]
 * Creates (if missing) and migrates every national subgraph's database and the given province
 * databases (default: the three demo provinces) on DATABASE_URL's server or the embedded one.
 */
import { databaseName, ensureDatabase, databaseUrl, migrateDatabase } from '../subgraphs/shared/db.ts';
import { DEMO_PROVINCE_CODES } from '../subgraphs/shared/demo.ts';
import { loadEnv } from '../subgraphs/shared/env.ts';
import { createLogger } from '../subgraphs/shared/logger.ts';
import { resolvePostgresServer } from '../subgraphs/shared/postgres-server.ts';
import { parseArgs, stringFlag } from './args.ts';

const env = loadEnv();
const logger = createLogger('db-migrate', 'warn');
const { flags } = parseArgs(process.argv.slice(2));
const provinces = (stringFlag(flags, 'province') ?? DEMO_PROVINCE_CODES.join(',')).split(',').filter(Boolean);
if (provinces.some((code) => !/^\d{2}$/.test(code))) {
  console.error('--province takes two-digit codes, e.g. --province 01,79');
  process.exit(2);
}
const server = await resolvePostgresServer({ databaseUrl: env.postgres.url, embeddedDir: env.postgres.embeddedDir, embeddedPort: env.postgres.embeddedPort, logger });
try {
  const targets: Array<[string, string | undefined]> = [
    ...(['units', 'declarations', 'checkins', 'tracing', 'testing', 'vaccination'] as const).map((name): [string, undefined] => [name, undefined]),
    ...provinces.map((code): [string, string] => ['province', code]),
  ];
  for (const [subgraph, code] of targets) {
    const name = databaseName(env.postgres.prefix, subgraph, code);
    await ensureDatabase(server.url, name);
    await migrateDatabase(databaseUrl(server.url, name), subgraph);
    console.log(`migrated ${name}`);
  }
} finally {
  await server.stop();
}
