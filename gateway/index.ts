// Runs the gateway alone: `npx tsx gateway/index.ts` (subgraph URLs from UNITS_URL… or the defaults).
import { defaultSubgraphUrl } from '../subgraphs/catalog.ts';
import { loadEnv } from '../subgraphs/shared/env.ts';
import { createLogger } from '../subgraphs/shared/logger.ts';
import { startObservability, stopOnSignals } from '../subgraphs/shared/process.ts';
import { ProvinceRegistry } from './province-registry.ts';
import { buildGateway } from './server.ts';

const env = loadEnv();
const logger = createLogger('gateway', env.logLevel);
const stopObservability = await startObservability(env, 'gateway', logger);
const national = ['units', 'declarations', 'checkins', 'tracing', 'testing', 'vaccination', 'analytics'] as const;
const gateway = await buildGateway({
  supergraphPath: env.gateway.supergraphPath,
  subgraphUrls: Object.fromEntries(national.map((name) => [name, env.gateway.subgraphUrls[name] ?? defaultSubgraphUrl(name)])),
  secrets: { jwt: env.secrets.jwt, internalToken: env.secrets.internalToken },
  subgraphTimeoutMs: env.gateway.subgraphTimeoutMs,
  provinceRegistry: ProvinceRegistry.fromFile(env.gateway.provinceRegistryFile, logger),
  provinceTimeoutMs: env.gateway.provinceTimeoutMs,
  maxBodyBytes: env.gateway.maxBodyBytes,
  limits: env.gateway.limits,
  trustedDocumentsDir: env.gateway.trustedDocumentsDir,
  production: env.production,
  logger,
});
const url = await gateway.listen(env.gateway.port, env.gateway.host);
logger.info({ url: `${url}/graphql` }, 'gateway listening');
stopOnSignals(logger, async () => {
  await gateway.stop();
  await stopObservability();
});
