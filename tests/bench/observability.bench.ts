/**
 * The cost of observability: throughput of a person query through the gateway (declarations with
 * its audit write, units, the province 79 shard, checkins) in three hubs, in one run:
 *   baseline  metrics off, tracing off (no SDK: the OpenTelemetry API is a no-op)
 *   metrics   metrics on (as every hub process runs), tracing off
 *   traced    metrics on, tracing sampled at 10 % (parentbased_traceidratio 0.1), spans exported
 *             over OTLP/HTTP to a sink in this process
 * Targets: metrics ≥ 0.95 × baseline; traced ≥ 0.85 × metrics (tracing on vs off).
 *
 * Each hub runs in its own process (tests/bench/observability-hub.ts: tracing is per process), on
 * one PostgreSQL server, started for its measurement and stopped after it (three hubs' pools at
 * once would pass a default max_connections of 100), and warmed up first. Each round measures the
 * three in a rotating order, so drifting machine load hits all alike; the headline is the median
 * over rounds of each round's ratio. Beside throughput, each round reads the hub process's own CPU
 * time (/proc/<pid>/stat) per request: on a machine shared with other work the throughput swings
 * with the neighbours, while the CPU the hub spends per request shows what observability costs it.
 *
 * npm run bench -- observability [seconds per round=5] [rounds=5] [concurrency=16]
 * Its smoke size (npm run bench -- --smoke): one round of 1 s, 4 clients.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { Agent, request } from 'undici';
import { NODE_FLAGS } from '../../hub/node-flags.ts';
import { databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { listen } from '../../subgraphs/shared/http.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { benchPostgres, closedLoopRound, machine } from './support.ts';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 5);
const CONCURRENCY = Number(process.argv[4] ?? 16);
const prefix = `bench_obs_${process.pid}`;

const QUERY = /* GraphQL */ `query PersonCard($id: ID!) { person(id: $id) { fullName residence { name province { name hotline } } checkIns { venue { name } } } }`;
const PEOPLE = [DEMO_PEOPLE.an, DEMO_PEOPLE.binh, DEMO_PEOPLE.ha];

interface Config {
  name: 'baseline' | 'metrics' | 'traced';
  env: Record<string, string>;
}
interface Running {
  child: ChildProcess;
  url: string;
}
interface Round {
  rps: number;
  requests: number;
  p50: number;
  /** CPU time of the hub's process per request, ms. */
  cpuMs: number;
}

/** User + system CPU time of a process so far, ms (Linux; fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** An OTLP/HTTP collector that only counts what it is sent. */
let exports = 0;
let exportedBytes = 0;
const sink = createServer((req, res) => {
  req.on('data', (chunk: Buffer) => (exportedBytes += chunk.length));
  req.on('end', () => {
    exports++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
const sinkUrl = await listen(sink, 0);

const off = { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: '' };
const configs: Config[] = [
  { name: 'baseline', env: { ...off, BENCH_METRICS: 'off' } },
  { name: 'metrics', env: { ...off, BENCH_METRICS: 'on' } },
  {
    name: 'traced',
    env: { BENCH_METRICS: 'on', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  },
];

async function startHubProcess(config: Config, postgresUrl: string): Promise<Running> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', fileURLToPath(new URL('./observability-hub.ts', import.meta.url))], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...config.env, BENCH_POSTGRES_URL: postgresUrl, BENCH_DB_PREFIX: `${prefix}_${config.name}` },
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the ${config.name} hub exited with ${code}`);
  });
  // Its first line with a gatewayUrl says it is up; anything else it prints (warnings) is passed on.
  const first = new Promise<{ gatewayUrl: string }>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{"gatewayUrl"')) resolve(JSON.parse(line) as { gatewayUrl: string });
      else process.stderr.write(`[${config.name} hub] ${line}\n`);
    });
  });
  const { gatewayUrl } = await Promise.race([first, exited]);
  exited.catch(() => {});
  return { child, url: gatewayUrl };
}

async function stopHubProcess({ child }: Running): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}`);
console.log(`query: ${QUERY}`);
console.log(`caller: national_official; ${CONCURRENCY} concurrent clients; ${ROUNDS} rounds of ${SECONDS} s per hub`);
let running: Running | undefined;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: CONCURRENCY * 2 });
try {
  const token = await signCallerToken(DEV_SECRETS.JWT_SECRET, { subject: 'bench-official', role: 'national_official', purpose: 'benchmark' });

  const ask = async (url: string, i: number) => {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables: { id: PEOPLE[i % PEOPLE.length]!.id } }),
    });
    const body = (await response.body.json()) as { data?: { person: { fullName: string; residence: { province: { hotline: string | null } } } | null }; errors?: unknown[] };
    if (body.errors || !body.data?.person?.residence.province.hotline) throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 300)}`);
  };

  /** `CONCURRENCY` clients asking back to back for `seconds`, with the hub process's CPU per request. */
  const round = async ({ url, child }: Running, seconds: number): Promise<Round> => {
    const cpuBefore = processCpuMs(child.pid!);
    const result = await closedLoopRound((i) => ask(url, i), CONCURRENCY, seconds);
    return { ...result, cpuMs: (processCpuMs(child.pid!) - cpuBefore) / result.requests };
  };

  /** One measurement: the hub started (its databases created and seeded the first time), warmed up, measured, stopped. */
  const measure = async (config: Config): Promise<Round> => {
    running = await startHubProcess(config, server.url);
    try {
      await ask(running.url, 0);
      await round(running, Math.min(2, SECONDS));
      return await round(running, SECONDS);
    } finally {
      await stopHubProcess(running);
      running = undefined;
    }
  };

  const results = new Map<Config['name'], Round[]>(configs.map((c) => [c.name, []]));
  const show = (r: Round) => `${r.rps.toFixed(0).padStart(5)} req/s p50 ${r.p50.toFixed(1)} ms ${r.cpuMs.toFixed(2)} CPU ms/req`;
  for (let r = 0; r < ROUNDS; r++) {
    // Rotating order: each hub is measured first, second and third in turn.
    for (let k = 0; k < configs.length; k++) {
      const config = configs[(r + k) % configs.length]!;
      results.get(config.name)!.push(await measure(config));
    }
    const at = (name: Config['name']) => results.get(name)![r]!;
    console.log(
      `round ${r + 1}: baseline ${show(at('baseline'))} | metrics ${show(at('metrics'))} | traced ${show(at('traced'))} | ` +
        `metrics/baseline ${(at('metrics').rps / at('baseline').rps).toFixed(3)}  traced/metrics ${(at('traced').rps / at('metrics').rps).toFixed(3)}`,
    );
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const rps = (name: Config['name']) => results.get(name)!.map((r) => r.rps);
  const cpu = (name: Config['name']) => results.get(name)!.map((r) => r.cpuMs);
  const ratio = (a: Config['name'], b: Config['name']) => median(rps(a).map((value, i) => value / rps(b)[i]!));
  /** Requests per CPU second of the hub, a over b: what throughput would be were the hub alone and CPU-bound. */
  const cpuRatio = (a: Config['name'], b: Config['name']) => median(cpu(b).map((value, i) => value / cpu(a)[i]!));
  for (const name of ['baseline', 'metrics', 'traced'] as const) {
    console.log(`${name.padEnd(8)}: ${median(rps(name)).toFixed(0)} req/s, ${median(cpu(name)).toFixed(2)} hub CPU ms per request (medians of ${ROUNDS} rounds)`);
  }
  const verdict = (value: number, target: number) => `${value.toFixed(3)}x (target ≥ ${target}x: ${value >= target ? 'met' : 'NOT met'})`;
  console.log(`metrics on vs off              : ${verdict(ratio('metrics', 'baseline'), 0.95)}`);
  console.log(`tracing at 10 % vs off (metrics on both): ${verdict(ratio('traced', 'metrics'), 0.85)}`);
  console.log(`both on vs both off            : ${ratio('traced', 'baseline').toFixed(3)}x`);
  console.log(`requests per hub CPU second: metrics/baseline ${cpuRatio('metrics', 'baseline').toFixed(3)}x, traced/metrics ${cpuRatio('traced', 'metrics').toFixed(3)}x, traced/baseline ${cpuRatio('traced', 'baseline').toFixed(3)}x`);
  console.log(`spans exported by the traced hub: ${exports} OTLP requests, ${(exportedBytes / 1024).toFixed(0)} kB`);
} finally {
  await agent.close();
  if (running) await stopHubProcess(running);
  sink.close();
  const sql = postgres(databaseUrl(server.url, 'postgres'), { max: 1, onnotice: () => {} });
  for (const { datname } of await sql<{ datname: string }[]>`select datname from pg_database where datname like ${prefix + '%'}`) {
    await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await sql.end();
  await server.stop();
}
