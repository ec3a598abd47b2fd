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
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { parseArgs, stringFlag } from '../../scripts/args.ts';
import { databaseName, databaseUrl } from '../../subgraphs/shared/db.ts';
import { machine } from '../bench/support.ts';
import { checkRun, type FaultRecord } from './checks.ts';
import { FAULTY_PROVINCE, PREFIX, PROVINCES, startHubUnderTest, type HubUnderTest } from './hub.ts';
import { Workload, type ReadKind, type WriteKind } from './workload.ts';

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
const say = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

say(`machine: ${await machine()}; ${short ? 'short' : 'full'} run ${JSON.stringify(settings)}`);
let hub: HubUnderTest | undefined;
let exitCode = 1;
try {
  hub = await startHubUnderTest('chaos', say);
  const { pg, redis, proxy, services: running, outDir } = hub;
  const workload = new Workload({
    gatewayUrl: running.gatewayUrl,
    tokens: hub.tokens,
    lab: hub.lab,
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
  const codes = await hub.stop();
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
  await hub?.stop().catch(() => {});
}
process.exit(exitCode);
