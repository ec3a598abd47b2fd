import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { seedDemoOnServer } from '../../hub/launch.ts';
import { startServices, type RunningServices } from '../../hub/services.ts';
import { provincePort } from '../../subgraphs/catalog.ts';
import { databaseName, databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { DEV_CERTIFICATE_KEY } from '../../subgraphs/vaccination/certificates/keys.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { addTestingSites, benchTestingSiteId } from '../bench/support.ts';
import { freePortOffset } from '../support/ports.ts';
import { hasRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { loadWorld, rng, smallWorld } from '../support/tracing-data.ts';
import { startChaosPostgres, type ChaosPostgres } from './postgres.ts';
import { startFaultProxy, type FaultProxy } from './proxy.ts';
import { RECORD_RESULTS, sha256, type LabWorld, type Tokens } from './workload.ts';

export const PROVINCES = ['01', '24', '79'] as const;
/** The shard the chaos run slows down and cuts off: the registry names a proxy in front of it. */
export const FAULTY_PROVINCE = '79';
export const PREFIX = 'chaos';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The chaos lab's world: testing sites in every province shard, people registered in declarations. */
const LAB_SITES_PER_PROVINCE = 2;
const LAB_PEOPLE = 200;

export interface HubUnderTest {
  pg: ChaosPostgres;
  redis: RedisServer | undefined;
  proxy: FaultProxy;
  services: RunningServices;
  tokens: Tokens;
  /** The sites and people the lab's uploads name (recordTestResults takes only rows whose site and person exist). */
  lab: LabWorld;
  /** tests/output/<label>/<time>/: services.log and whatever the run writes. */
  outDir: string;
  /** Stops every process (answering each exit code), then the proxy, Redis and PostgreSQL. */
  stop(): Promise<Record<string, number | null>>;
}

/**
 * The hub as separate processes (production mode, as deployed) on a PostgreSQL server of its own
 * and, when REDIS_URL is set, a redis-server of its own (never the one REDIS_URL names, which
 * others use), with the demo data, partners' registered operations and the clients' tokens: what
 * the chaos run and the soak load.
 */
export async function startHubUnderTest(label: 'chaos' | 'soak', say: (line: string) => void): Promise<HubUnderTest> {
  // eslint-disable-next-line no-process-env -- the run uses Redis when the environment has one, as the hub does
  const wantsRedis = Boolean(process.env.REDIS_URL);
  if (wantsRedis && !hasRedisServer) throw new Error('REDIS_URL is set but redis-server is not installed: the run needs a Redis of its own to stop and start');
  const outDir = join(ROOT, 'tests', 'output', label, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(outDir, { recursive: true });
  const serviceLog = createWriteStream(join(outDir, 'services.log'));
  const logger = createLogger(label, 'warn');
  const documentsDir = mkdtempSync(join(tmpdir(), 'hub-chaos-documents-'));
  const pg = await startChaosPostgres();
  let redis: RedisServer | undefined;
  let proxy: FaultProxy | undefined;
  let services: RunningServices | undefined;
  const cleanUp = async () => {
    await proxy?.close();
    await redis?.stop().catch(() => {});
    await pg.stop().catch(() => {});
    rmSync(documentsDir, { recursive: true, force: true });
    serviceLog.end();
  };
  try {
    redis = wantsRedis ? await startRedisServer() : undefined;
    say(`PostgreSQL ${new URL(pg.url).host} (embedded, own); queues on ${redis ? `Redis ${new URL(redis.url).host} (own)` : 'PostgreSQL'}`);
    // Partners' registered operations: the demo scanner's, and the chaos lab's upload.
    copyFileSync(join(ROOT, 'config', 'trusted-documents', 'partner-acme.json'), join(documentsDir, 'partner-acme.json'));
    writeFileSync(
      join(documentsDir, 'chaos-lab.json'),
      JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(RECORD_RESULTS), name: 'RecordTestResults', type: 'mutation', body: RECORD_RESULTS }] }),
    );
    const offset = await freePortOffset(PROVINCES);
    proxy = await startFaultProxy(provincePort(FAULTY_PROVINCE) + offset);
    services = await startServices({
      postgresUrl: pg.url,
      dbPrefix: PREFIX,
      redisUrl: redis?.url,
      provinceCodes: PROVINCES,
      portOffset: offset,
      // As deployed: production (errors reduced to codes, /metrics on METRICS_PORT), secrets given.
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        SUBGRAPH_TIMEOUT_MS: '5000',
        // Under the slow fault's 5 s, so that fault still trips it; 2 s timed out healthy shard reads
        // on a machine shared at load 20+ (the gateway's answer took 4-6 s then).
        PROVINCE_TIMEOUT_MS: '4000',
        MAINTENANCE_EVERY_MS: '3600000',
        TRUSTED_DOCUMENTS_DIR: documentsDir,
        JWT_SECRET: DEV_SECRETS.JWT_SECRET,
        INTERNAL_TOKEN_SECRET: DEV_SECRETS.INTERNAL_TOKEN_SECRET,
        NATIONAL_ID_KEY: DEV_SECRETS.NATIONAL_ID_KEY,
        // The vaccination service signs certificates: in production it needs a key (the development one here).
        CERTIFICATE_SIGNING_KEY: JSON.stringify(DEV_CERTIFICATE_KEY),
      },
      logger,
      output: (service, line) => serviceLog.write(`${new Date().toISOString()} [${service}] ${line}\n`),
      // Eight processes migrating at once under tsx, on a machine others share.
      startTimeoutMs: 300_000,
      registryOverrides: { [FAULTY_PROVINCE]: `http://127.0.0.1:${proxy.port}/graphql` },
      beforeGateway: () => seedDemoOnServer({ postgresUrl: pg.url, dbPrefix: PREFIX, redisUrl: redis?.url, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY, logger }),
    });
    say(`services up: ${[...services.services.values()].map((s) => s.spec.name).join(', ')}; province ${FAULTY_PROVINCE} behind a proxy on port ${proxy.port}`);
    const lab = await registerLabWorld(pg.url);
    say(`lab world: ${lab.people.length} people in declarations, ${lab.sites.length} testing sites in provinces ${PROVINCES.join(', ')}`);
    const sign = (subject: string, role: 'partner' | 'national_official', scopes?: string[]) =>
      signCallerToken(DEV_SECRETS.JWT_SECRET, { subject, role, ...(scopes ? { scopes } : {}), expiresIn: '12h' });
    const tokens = {
      scanner: await sign('partner-acme', 'partner', ['checkins:write', 'venues:read']),
      lab: await sign('chaos-lab', 'partner', ['tests:write']),
      official: await sign('chaos-official', 'national_official'),
    };
    let stopped = false;
    const started = services;
    return {
      pg,
      redis,
      proxy,
      services,
      tokens,
      lab,
      outDir,
      stop: async () => {
        if (stopped) return {};
        stopped = true;
        const codes = await started.stopAll();
        await cleanUp();
        return codes;
      },
    };
  } catch (error) {
    // Started processes are stopped too: a failure after startServices must not leave them running.
    await services?.stopAll().catch(() => {});
    await cleanUp();
    throw error;
  }
}

/** The lab's people and testing sites, written straight into the declarations database and the province shards (as the testing benches do). */
async function registerLabWorld(postgresUrl: string): Promise<LabWorld> {
  const open = (name: string, provinceCode?: string) => ({
    name,
    provinceCode,
    database: { sql: postgres(databaseUrl(postgresUrl, databaseName(PREFIX, name, provinceCode)), { max: 1, onnotice: () => {} }) },
  });
  const databases = { subgraphs: [open('declarations'), open('checkins'), ...PROVINCES.map((code) => open('province', code))] };
  try {
    const world = smallWorld(rng(18), new Date(), { people: LAB_PEOPLE, venues: 0, checkIns: 0 });
    await loadWorld(databases, world);
    await addTestingSites(databases, PROVINCES, LAB_SITES_PER_PROVINCE);
    return {
      people: world.people.map((p) => p.id),
      sites: PROVINCES.flatMap((province) => Array.from({ length: LAB_SITES_PER_PROVINCE }, (_, n) => ({ province, id: benchTestingSiteId(province, n) }))),
    };
  } finally {
    await Promise.all(databases.subgraphs.map((s) => s.database.sql.end()));
  }
}

