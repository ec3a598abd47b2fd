import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from '../../subgraphs/shared/env.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { resolvePostgresServer, type PostgresServer } from '../../subgraphs/shared/postgres-server.ts';
import { freePort } from '../support/ports.ts';
import { request } from 'undici';
import { GATEWAY_NODE_FLAGS, NODE_FLAGS } from '../../hub/node-flags.ts';
import type postgres from 'postgres';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';

/** DATABASE_URL's server (the real one), or (also with `own`) an embedded server in a temporary folder. */
export async function benchPostgres(options: { own?: boolean } = {}): Promise<PostgresServer & { describe: string }> {
  // eslint-disable-next-line no-process-env -- benchmarks read the same variables as the hub
  const env = parseEnv({ ...process.env, NODE_ENV: 'test' });
  const logger = createLogger('bench', 'warn');
  if (env.postgres.url && !options.own) {
    const server = await resolvePostgresServer({ databaseUrl: env.postgres.url, embeddedDir: '', embeddedPort: 0, logger });
    return { ...server, describe: `configured server ${new URL(env.postgres.url).host}` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-pg-'));
  const server = await resolvePostgresServer({ databaseUrl: undefined, embeddedDir: dir, embeddedPort: await freePort(), logger });
  return {
    ...server,
    describe: 'embedded server',
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Timing {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  /** Busy CPU time of the whole machine (every process: hub, shards, PostgreSQL) per call, ms. */
  cpuPerCall: number;
}

/** Busy CPU milliseconds of the whole machine since boot, summed over cores. */
function machineBusyMs(): number {
  return cpus().reduce((sum, { times }) => sum + times.user + times.nice + times.sys + times.irq, 0);
}

/** Runs `fn` `warmup` times unmeasured, then `n` times sequentially; milliseconds per call. */
export async function measure(fn: () => Promise<unknown>, n: number, warmup = Math.ceil(n / 10)): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const busyBefore = machineBusyMs();
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  const cpuPerCall = (machineBusyMs() - busyBefore) / n;
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { n, p50: at(0.5), p95: at(0.95), mean: samples.reduce((a, b) => a + b, 0) / samples.length, cpuPerCall };
}

/** The median of a list (the upper middle of an even count): the headline of a bench's alternating rounds. */
export const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** One round of a closed-loop load: `clients` ask back to back for `seconds`; requests per second over the round and the p50. */
export async function closedLoopRound(ask: (i: number) => Promise<unknown>, clients: number, seconds: number): Promise<{ rps: number; requests: number; p50: number }> {
  const until = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let i = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await ask(i++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, requests: latencies.length, p50: latencies[Math.floor(latencies.length / 2)] ?? 0 };
}

/**
 * Requests sent at a fixed rate (open loop), whatever the answers' pace: CPU per request compared at
 * the same request rate. A closed loop's rate follows the machine's other work, and per-request CPU
 * falls as the rate rises (more requests share each wake-up of a process), so two closed-loop runs
 * at different rates do not compare. Sends in 10 ms ticks; a request that would exceed `maxInFlight`
 * is skipped and counted as `skipped` (the hub could not keep up with the rate).
 */
export async function fixedRateRound(ask: (i: number) => Promise<unknown>, perSecond: number, seconds: number, maxInFlight: number): Promise<{ rps: number; requests: number; p50: number; skipped: number }> {
  const latencies: number[] = [];
  const pending = new Set<Promise<unknown>>();
  let i = 0;
  let skipped = 0;
  const started = performance.now();
  const total = Math.round(perSecond * seconds);
  while (i + skipped < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * perSecond));
    while (i + skipped < due) {
      if (pending.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const t = performance.now();
      const call: Promise<unknown> = ask(i++).then(() => {
        latencies.push(performance.now() - t);
        pending.delete(call);
      });
      pending.add(call);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, requests: latencies.length, p50: latencies[Math.floor(latencies.length / 2)] ?? 0, skipped };
}

export const fmt = (t: Timing) =>
  `p50 ${t.p50.toFixed(2)} ms  p95 ${t.p95.toFixed(2)} ms  mean ${t.mean.toFixed(2)} ms  machine CPU ${t.cpuPerCall.toFixed(1)} ms/call  (n=${t.n})`;

/**
 * CPU milliseconds (user + system) these processes have used so far, from /proc (Linux; 0 for a
 * process that is gone or elsewhere). On a machine shared with other work, the CPU a path spends
 * per row moves far less with the load than its wall time does.
 */
export function processCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* gone, or not on this machine */
    }
  }
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/**
 * The PostgreSQL backends serving clients of databases whose name starts with `prefix` (on a server
 * of this machine). Not autovacuum workers: they follow from the rows a path stored, whichever
 * path stored them, and a baseline's (COPY into a database of its own) are not counted either.
 */
export async function backendPids(sql: postgres.Sql, prefix: string): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname like ${prefix + '%'} and backend_type = 'client backend' and pid <> pg_backend_pid()`;
  return rows.map((r) => r.pid);
}

export async function machine(): Promise<string> {
  const os = await import('node:os');
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/**
 * A GraphQL POST with undici's request, as the tracing worker's graph client sends it: fetch
 * copies a megabyte body twice more (a web stream and a clone) and decodes a large answer through
 * a TextDecoder, on the event loop that the hub started in the bench's process shares.
 */
export async function postGraphQL<T>(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<{ status: number; data?: T; errors?: unknown[] }> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.body.json()) as { data?: T; errors?: unknown[] };
  return { status: response.statusCode, ...body };
}

/** BENCH_GATEWAY_NODE_ARGS: extra node flags for the gateway process (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
const gatewayNodeArgs = (): string[] => process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

export interface GatewayProcess {
  url: string;
  /** The process id, for CPU accounting (processCpuMs). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * The gateway alone in its own process (gateway/index.ts), in front of the subgraphs and shards a
 * hub started in this process: the deployed topology, where the gateway is a service of its own
 * and does not share an event loop with the subgraphs. NODE_ENV=production (with the bench's
 * secrets passed explicitly) and the hub's V8 flags (hub/node-flags.ts), so it runs as deployed.
 */
export async function startGatewayProcess(
  hub: { subgraphs: ReadonlyArray<{ name: string; provinceCode?: string; url: string }>; provinceRegistryFile: string },
  secrets: { jwt: string; internalToken: string; nationalIdKey: string },
  settings: { maxBodyBytes: number; subgraphTimeoutMs: number; provinceTimeoutMs: number; trustedDocumentsDir?: string },
): Promise<GatewayProcess> {
  const port = await freePort();
  const url = (name: string) => hub.subgraphs.find((s) => s.name === name && !s.provinceCode)!.url;
  const child = spawn(process.execPath, [...NODE_FLAGS, ...GATEWAY_NODE_FLAGS, ...gatewayNodeArgs(), '--import', 'tsx', fileURLToPath(new URL('../../gateway/index.ts', import.meta.url))], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      JWT_SECRET: secrets.jwt,
      INTERNAL_TOKEN_SECRET: secrets.internalToken,
      NATIONAL_ID_KEY: secrets.nationalIdKey,
      GATEWAY_PORT: String(port),
      // Its own /metrics port: the default 9464 is taken by any other production process running here.
      METRICS_PORT: String(await freePort()),
      UNITS_URL: url('units'),
      DECLARATIONS_URL: url('declarations'),
      CHECKINS_URL: url('checkins'),
      TRACING_URL: url('tracing'),
      TESTING_URL: url('testing'),
      ...(settings.trustedDocumentsDir ? { TRUSTED_DOCUMENTS_DIR: settings.trustedDocumentsDir } : {}),
      VACCINATION_URL: url('vaccination'),
      ANALYTICS_URL: url('analytics'),
      PROVINCE_REGISTRY_FILE: hub.provinceRegistryFile,
      MAX_BODY_BYTES: String(settings.maxBodyBytes),
      SUBGRAPH_TIMEOUT_MS: String(settings.subgraphTimeoutMs),
      PROVINCE_TIMEOUT_MS: String(settings.provinceTimeoutMs),
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway process exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('the gateway process did not answer /health within 30 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Testing site n of a province, as the testing benches name them. */
export const benchTestingSiteId = (province: string, n: number) => `e5700000-00${province}-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * `perProvince` testing sites in each province shard's database (benchTestingSiteId), in one of the
 * province's demo wards: recordTestResults takes only results whose site its province knows.
 */
export async function addTestingSites(
  hub: { subgraphs: ReadonlyArray<{ provinceCode?: string; database: { sql: postgres.Sql } }> },
  provinces: readonly string[],
  perProvince: number,
): Promise<void> {
  for (const province of provinces) {
    const shard = hub.subgraphs.find((s) => s.provinceCode === province)!.database.sql;
    const ward = DEMO_WARDS.find((w) => w.provinceCode === province)!.code;
    for (let n = 0; n < perProvince; n++) {
      await shard`insert into testing_sites (id, name, ward_code, address, opening_hours)
        values (${benchTestingSiteId(province, n)}, ${`Điểm xét nghiệm ${n}`}, ${ward}, ${`Số ${n}`}, '07:00–17:00') on conflict do nothing`;
    }
  }
}
