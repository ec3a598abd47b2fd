/**
 * Starts the whole hub in this process, uses it (a query that reaches every subgraph, every
 * province shard and the queues), stops it, and then must exit by itself: any handle the hub
 * leaves open (a socket, an agent's keep-alive connection, a timer, a file watcher, a queue
 * connection) keeps the event loop alive, and after 15 s this prints what is still open and exits
 * with code 3. Run by tests/e2e/shutdown.test.ts with POSTGRES_URL, DB_PREFIX (and REDIS_URL); no vitest module may be
 * imported here (it runs outside the test runner).
 */
import { existsSync } from 'node:fs';
import { startHub } from '../../hub/launch.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';

const SECRETS = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };

const hub = await startHub({
  postgresUrl: process.env.POSTGRES_URL!,
  dbPrefix: process.env.DB_PREFIX!,
  secrets: SECRETS,
  ports: 'random',
  provinceCodes: ['01', '24', '79'],
  seedDemo: true,
  supergraphPath: SUPERGRAPH_FILE,
  production: false,
  subgraphTimeoutMs: 5_000,
  provinceTimeoutMs: 2_000,
  maxBodyBytes: 1_000_000,
  logger: createLogger('start-stop', 'silent'),
  redisUrl: process.env.REDIS_URL || undefined,
});
const token = await signCallerToken(SECRETS.jwt, { subject: 'start-stop', role: 'national_official' });
const response = await fetch(hub.gatewayUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({
    query: `query($id: ID!) { person(id: $id) { fullName residence { province { hotline tracingTasks { id } } } checkIns { id } cases { id } } provinces { code hotline } }`,
    variables: { id: DEMO_PEOPLE.an.id },
  }),
});
const body = (await response.json()) as { data?: { person?: unknown } | null; errors?: Array<{ extensions?: { code?: string } }> };
// The 31 provinces with no shard here answer PROVINCE_UNAVAILABLE; nothing else may fail.
if (!body.data?.person || body.errors?.some((e) => e.extensions?.code !== 'PROVINCE_UNAVAILABLE')) {
  console.error(JSON.stringify(body));
  process.exit(2);
}
const registry = hub.provinceRegistryFile;
await hub.stop();
if (existsSync(registry)) {
  console.error(`the registry file ${registry} is still there`);
  process.exit(4);
}
setTimeout(() => {
  console.error(`still open after stop: ${JSON.stringify(process.getActiveResourcesInfo())}`);
  process.exit(3);
}, 15_000).unref();
