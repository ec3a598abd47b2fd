import { databaseName, openSubgraphDatabase } from './db.ts';
import { loadEnv } from './env.ts';
import { createLogger } from './logger.ts';
import type { SubgraphModule } from './module.ts';
import { resolvePostgresServer } from './postgres-server.ts';
import { buildSubgraphService } from './subgraph.ts';
import { NATIONAL_PORTS, provincePort } from '../catalog.ts';

/**
 * Runs one subgraph as its own process (how a provincial center deploys its shard):
 * its own database on DATABASE_URL's server (or the embedded one), migrated at start.
 */
export async function runSubgraph(module: SubgraphModule<any>): Promise<void> {
  const env = loadEnv();
  const provinceCode = module.name === 'province' ? env.service.provinceCode : undefined;
  if (module.name === 'province' && !provinceCode) {
    console.error('PROVINCE_CODE is required for the province subgraph, e.g. PROVINCE_CODE=79');
    process.exit(1);
  }
  const logger = createLogger(provinceCode ? `province-${provinceCode}` : module.name, env.logLevel);
  const postgres = await resolvePostgresServer({
    databaseUrl: env.postgres.url,
    embeddedDir: env.postgres.embeddedDir,
    embeddedPort: env.postgres.embeddedPort,
    logger,
  });
  const database = await openSubgraphDatabase(postgres.url, databaseName(env.postgres.prefix, module.name, provinceCode), module.name, module.tables);
  await module.prepare?.(database.db);
  const service = await buildSubgraphService(
    module.build(database.db, { nationalIdKey: env.secrets.nationalIdKey, ...(provinceCode ? { provinceCode } : {}), logger }),
    { internalTokenSecret: env.secrets.internalToken, logger, production: env.production },
  );
  const port = env.service.port ?? (provinceCode ? provincePort(provinceCode) : NATIONAL_PORTS[module.name as keyof typeof NATIONAL_PORTS]);
  const url = await service.listen(port, env.gateway.host);
  logger.info({ url: `${url}/graphql` }, 'subgraph listening');

  const shutdown = async () => {
    await service.stop();
    await database.close();
    await postgres.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}
