/**
 * npm run chaos [-- --short] [-- --down-seconds 10 --slow-seconds 60 --cut-seconds 60 --recover-seconds 20
 *                 --writers 2 --checkin-batch 50 --result-batch 20 --interval-ms 500 --recovery-target-ms 5000]
 *
 * The hub as separate processes (hub/services.ts) on a PostgreSQL server of the run's own (and on
 * a redis-server of its own when REDIS_URL is set), under a steady load of partners' uploads,
 * confirmed cases and reads through the gateway, while faults follow one another: kill -9 of the
 * checkins and tracing subgraphs, the worker mid-run, the gateway and a province shard, each then
 * started again; a fast restart of PostgreSQL; a stop and start of Redis; province 79 answering
 * after 5 s, then off the network. Afterwards the clients' own log is checked against every
 * database (tests/chaos/checks.ts) and one line printed; the exit code is non-zero when a check
 * fails. Logs and the full report go to tests/output/chaos/.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { parseArgs, stringFlag } from '../../scripts/args.ts';
import { seedDemoOnServer } from '../../hub/launch.ts';
import { startServices, topology, type RunningServices } from '../../hub/services.ts';
import { provincePort } from '../../subgraphs/catalog.ts';
import { databaseName, databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { portOpen } from '../../subgraphs/shared/postgres-server.ts';
import { hasRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { machine } from '../bench/support.ts';
import { checkRun, type FaultRecord } from './checks.ts';
import { startChaosPostgres } from './postgres.ts';
import { startFaultProxy } from './proxy.ts';
import { RECORD_RESULTS, sha256, Workload, type ReadKind, type WriteKind } from './workload.ts';

const { flags } = parseArgs(process.argv.slice(2));
const short = flags.has('short');
const num = (name: string, full: number, shortValue: number) => Number(stringFlag(flags, name) ?? (short ? shortValue : full));
const settings = {
  downSeconds: num('down-seconds', 10, 3),
  slowSeconds: num('slow-seconds', 60, 15),
  cutSeconds: num('cut-seconds', 60, 15),
  recoverSeconds: num('recover-seconds', 20, 8),
  warmupSeconds: num('warmup-seconds', 20, 8),
  writers: num('writers', 2, 2),
  checkinBatch: num('checkin-batch', 50, 20),
  resultBatch: num('result-batch', 20, 10),
  intervalMs: num('interval-ms', 500, 500),
  recoveryTargetMs: num('recovery-target-ms', 5_000, 5_000),
  settleSeconds: num('settle-seconds', 180, 120),
};
const PROVINCES = ['01', '24', '79'] as const;
/** The shard the run slows down and cuts off: the registry names a proxy in front of it. */
const FAULTY_PROVINCE = '79';
const PREFIX = 'chaos';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const outDir = join(ROOT, 'tests', 'output', 'chaos', new Date().toISOString().replace(/[:.]/g, '-'));
mkdirSync(outDir, { recursive: true });
const serviceLog = createWriteStream(join(outDir, 'services.log'));
const logger = createLogger('chaos', 'warn');
const say = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// eslint-disable-next-line no-process-env -- the run uses Redis when the environment has one, as the hub does
const wantsRedis = Boolean(process.env.REDIS_URL);
if (wantsRedis && !hasRedisServer) throw new Error('REDIS_URL is set but redis-server is not installed: the run needs a Redis of its own to stop and start');

say(`machine: ${await machine()}; ${short ? 'short' : 'full'} run ${JSON.stringify(settings)}`);
const pg = await startChaosPostgres();
let redis: RedisServer | undefined;
let services: RunningServices | undefined;
const documentsDir = mkdtempSync(join(tmpdir(), 'hub-chaos-documents-'));
let exitCode = 1;
try {
  redis = wantsRedis ? await startRedisServer() : undefined;
  say(`PostgreSQL ${new URL(pg.url).host} (embedded, own); queues on ${redis ? `Redis ${new URL(redis.url).host} (own)` : 'PostgreSQL'}`);

  // Partners' registered operations: the demo scanner's, and the chaos lab's upload.
  copyFileSync(join(ROOT, 'config', 'trusted-documents', 'partner-acme.json'), join(documentsDir, 'partner-acme.json'));
  writeFileSync(
    join(documentsDir, 'chaos-lab.json'),
    JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(RECORD_RESULTS), name: 'RecordTestResults', type: 'mutation', body: RECORD_RESULTS }] }),
  );

  const offset = await freeOffset();
  const proxy = await startFaultProxy(provincePort(FAULTY_PROVINCE) + offset);
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
      PROVINCE_TIMEOUT_MS: '2000',
      MAINTENANCE_EVERY_MS: '3600000',
      TRUSTED_DOCUMENTS_DIR: documentsDir,
      JWT_SECRET: DEV_SECRETS.JWT_SECRET,
      INTERNAL_TOKEN_SECRET: DEV_SECRETS.INTERNAL_TOKEN_SECRET,
      NATIONAL_ID_KEY: DEV_SECRETS.NATIONAL_ID_KEY,
    },
    logger,
    output: (service, line) => serviceLog.write(`${new Date().toISOString()} [${service}] ${line}\n`),
    // Eight processes migrating at once under tsx, on a machine others share.
    startTimeoutMs: 300_000,
    registryOverrides: { [FAULTY_PROVINCE]: `http://127.0.0.1:${proxy.port}/graphql` },
    beforeGateway: () => seedDemoOnServer({ postgresUrl: pg.url, dbPrefix: PREFIX, redisUrl: redis?.url, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY, logger }),
  });
  const running = services;
  say(`services up: ${[...running.services.values()].map((s) => s.spec.name).join(', ')}; province ${FAULTY_PROVINCE} behind a proxy on port ${proxy.port}`);

  const sign = (subject: string, role: 'partner' | 'national_official', scopes?: string[]) =>
    signCallerToken(DEV_SECRETS.JWT_SECRET, { subject, role, ...(scopes ? { scopes } : {}), expiresIn: '12h' });
  const workload = new Workload({
    gatewayUrl: running.gatewayUrl,
    tokens: {
      scanner: await sign('partner-acme', 'partner', ['checkins:write', 'venues:read']),
      lab: await sign('chaos-lab', 'partner', ['tests:write']),
      official: await sign('chaos-official', 'national_official'),
    },
    writers: settings.writers,
    checkinBatch: settings.checkinBatch,
    resultBatch: settings.resultBatch,
    intervalMs: settings.intervalMs,
    // Retry until answered (the run's end bounds it): a partner's uploads are not dropped.
    retry: { attempts: 10_000, timeoutMs: 10_000, baseDelayMs: 200, maxDelayMs: 1_000 },
  });
  const tracingSql = postgres(databaseUrl(pg.url, databaseName(PREFIX, 'tracing')), { max: 1, onnotice: () => {} });

  const restart = (name: string) => ({
    inject: async () => void (await running.get(name).kill()),
    heal: async () => {
      running.get(name).start();
      await running.get(name).waitUntilUp(120_000);
    },
  });
  const down = () => sleep(settings.downSeconds * 1000);
  interface Fault {
    name: string;
    /** Reads that may fail (with a coded error) while this part is down. */
    affects: ReadKind[];
    /** Writes that need this part: the recovery is the first of them answered after it is back. */
    writes: WriteKind[] | 'runs' | 'tasks';
    inject(): Promise<void>;
    hold(): Promise<unknown>;
    heal(): Promise<void>;
  }
  const faults: Fault[] = [
    { name: 'kill -9 checkins', affects: ['all'], writes: ['checkins'], ...restart('checkins'), hold: down },
    { name: 'kill -9 tracing', affects: ['all'], writes: ['cases'], ...restart('tracing'), hold: down },
    {
      name: 'kill -9 worker mid-run',
      affects: [],
      writes: 'runs',
      ...restart('worker'),
      inject: async () => {
        // Mid-run: a tracing run in progress, if one comes within 10 s.
        for (let i = 0; i < 100; i++) {
          const [{ n }] = await tracingSql<[{ n: number }]>`select count(*)::int as n from tracing_runs where status = 'RUNNING'`.catch(() => [{ n: 0 }] as [{ n: number }]);
          if (n > 0) break;
          await sleep(100);
        }
        await running.get('worker').kill();
      },
      hold: down,
    },
    { name: 'kill -9 gateway', affects: ['one', 'shard', 'all'], writes: ['checkins', 'tests', 'cases'], ...restart('gateway'), hold: down },
    { name: `kill -9 province-${FAULTY_PROVINCE}`, affects: ['shard', 'all'], writes: 'tasks', ...restart(`province-${FAULTY_PROVINCE}`), hold: down },
    {
      name: 'PostgreSQL fast restart',
      affects: ['one', 'shard', 'all'],
      writes: ['checkins', 'tests', 'cases'],
      inject: async () => {},
      hold: async () => {},
      heal: () => pg.restart(down),
    },
    ...(redis
      ? [{ name: 'Redis stop and start', affects: [], writes: ['cases'], inject: async () => {}, hold: async () => {}, heal: () => redis!.restart('shutdown', down) } satisfies Fault]
      : []),
    {
      name: `province-${FAULTY_PROVINCE} answers after 5 s`,
      affects: ['shard', 'all'],
      writes: 'tasks',
      inject: async () => proxy.setMode('slow'),
      hold: () => sleep(settings.slowSeconds * 1000),
      heal: async () => proxy.setMode('pass'),
    },
    {
      name: `province-${FAULTY_PROVINCE} off the network`,
      affects: ['shard', 'all'],
      writes: 'tasks',
      inject: async () => proxy.setMode('cut'),
      hold: () => sleep(settings.cutSeconds * 1000),
      heal: async () => proxy.setMode('pass'),
    },
  ];

  workload.start();
  say(`load started; warm-up ${settings.warmupSeconds} s`);
  await sleep(settings.warmupSeconds * 1000);
  const records: FaultRecord[] = [];
  for (const fault of faults) {
    const startedAt = Date.now();
    say(`fault: ${fault.name}`);
    await fault.inject();
    await fault.hold();
    const healStarted = Date.now();
    await fault.heal();
    const backAt = Date.now();
    say(`  back after ${((backAt - startedAt) / 1000).toFixed(1)} s (healing took ${((backAt - healStarted) / 1000).toFixed(1)} s)`);
    records.push({ name: fault.name, affects: fault.affects, writes: fault.writes, startedAt, backAt });
    await sleep(settings.recoverSeconds * 1000);
  }
  say('faults done; stopping the load (writes in flight are retried until answered, 120 s at most)');
  await Promise.race([workload.stop(), sleep(120_000)]);

  const report = await checkRun({
    postgresUrl: pg.url,
    prefix: PREFIX,
    provinces: PROVINCES,
    faultyProvince: FAULTY_PROVINCE,
    workload,
    faults: records,
    services: running,
    settleMs: settings.settleSeconds * 1000,
    recoveryTargetMs: settings.recoveryTargetMs,
    say,
  });
  await tracingSql.end();
  const codes = await running.stopAll();
  services = undefined;
  await proxy.close();
  const unclean = Object.entries(codes).filter(([, code]) => code !== 0);
  if (unclean.length > 0) report.failures.push(`processes not stopped cleanly by SIGTERM: ${unclean.map(([name, code]) => `${name}=${code}`).join(', ')}`);

  writeFileSync(join(outDir, 'report.json'), JSON.stringify({ settings, ...report, writes: undefined }, null, 2));
  writeFileSync(join(outDir, 'clients.json'), JSON.stringify({ writes: workload.writes, reads: workload.reads }));
  for (const line of report.details) say(line);
  for (const failure of report.failures) say(`CHECK FAILED: ${failure}`);
  console.log(report.summary + (report.failures.length > 0 ? ` — ${report.failures.length} check(s) FAILED` : ' — every check passed'));
  say(`logs and report in ${outDir}`);
  exitCode = report.failures.length > 0 ? 1 : 0;
} catch (error) {
  console.error('[chaos] the run could not finish:', error);
} finally {
  await services?.stop().catch(() => {});
  await redis?.stop().catch(() => {});
  await pg.stop().catch(() => {});
  rmSync(documentsDir, { recursive: true, force: true });
  serviceLog.end();
}
process.exit(exitCode);

/** A block of ports none of which is taken (the topology adds its offset to the documented ports). */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const offset = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = topology({ postgresUrl: 'postgres://x@127.0.0.1/x', dbPrefix: 'x', provinceCodes: PROVINCES, portOffset: offset }, 'unused').services.flatMap((s) => [s.port, s.port + 1000]);
    const taken = await Promise.all(ports.map((port) => portOpen(port)));
    if (!taken.some(Boolean)) return offset;
  }
  throw new Error('no free block of ports');
}
