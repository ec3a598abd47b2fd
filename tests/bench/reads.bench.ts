/**
 * What a national app's read costs the whole hub (issue 17): the hub as separate processes (the
 * gateway, every subgraph, the three demo province shards and the worker, each its own OS process,
 * as deployed), on a PostgreSQL server of its own (embedded, so every backend's CPU is the hub's),
 * 64 distinct callers, 16 requests in flight. For each query it reads, from /proc, the CPU time each
 * process spent during the round and divides by the requests answered: the gateway, the subgraphs
 * (all of them, and each), PostgreSQL (the postmaster, its backends and the backends that exited),
 * and the whole hub; plus the gateway's resident memory at the end of the round.
 *
 * Queries: the README's query that touches every subgraph (a person, where they live, their
 * province's facilities, declarations, check-ins, exposures, cases) and a person card.
 * Baseline in the same run: the statements the person card needs, sent by this process straight to
 * the same server with the same concurrency (the person by id, the ward by code, the declarations
 * by person, one audit row, each a prepared statement): PostgreSQL's CPU for the work itself.
 * Targets (issue 17): every-subgraph ≤ 5 ms whole hub and ≤ 1.5 ms PostgreSQL; person card ≤ 1.5 ms
 * whole hub; gateway resident memory ≤ 200 MB.
 *
 * npm run bench -- reads [seconds per query=10] [callers=64] [in flight=16] [--dist] [--rate=every,card] [--only=every|person] [--warm-up=s]
 * `--rate=100,600`: each query sent at that many requests a second (open loop, at most 4 × in
 * flight outstanding) instead of as fast as the hub answers, so that runs compare at the same rate
 * (per-request CPU falls as the rate rises). `--only` runs one of the two queries. `--warm-up=s`:
 * seconds of the query before its measured round; 40 by default (a fifth of the round for rounds
 * under 5 s: the smoke run). Each process gets a few hundred requests a second, and V8 is still
 * compiling hot code to optimized machine code a minute after start, which a round right after
 * start counts as the requests' CPU; a deployed hub runs for hours, so the steady state is what a
 * read costs. `--warm-up=2` measures a round 2 s after start, as the issue's first figures were.
 * Its smoke size: 1 s, 4 callers, 2 in flight.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { Agent, request } from 'undici';
import { seedDemoOnServer } from '../../hub/launch.ts';
import { startServices } from '../../hub/services.ts';
import { databaseName, databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEMO_PEOPLE, DEMO_PROVINCE_CODES } from '../../subgraphs/shared/demo.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { DEV_CERTIFICATE_KEY } from '../../subgraphs/vaccination/certificates/keys.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger, type Logger } from '../../subgraphs/shared/logger.ts';
import { resolvePostgresServer } from '../../subgraphs/shared/postgres-server.ts';
import { freePort, freePortOffset } from '../support/ports.ts';
import { closedLoopRound, fixedRateRound, machine } from './support.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const CALLERS = Number(process.argv[3] ?? 64);
const IN_FLIGHT = Number(process.argv[4] ?? 16);
/** `--dist`: the services as deployed (`npm run build`, plain node) instead of TypeScript through tsx. */
const RUNTIME = process.argv.includes('--dist') ? 'dist' : 'tsx';
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/** Requests a second for the every-subgraph query and the person card; closed loop when absent. */
const RATES = option('rate')?.split(',').map(Number);
const ONLY = option('only');
/** Seconds of warm-up before each query's measured round (JIT tiering, pools, plans): 40, or a fifth of a round shorter than 5 s. */
const WARM_UP = Number(option('warm-up') ?? (SECONDS >= 5 ? 40 : Math.max(1, SECONDS / 5)));
const prefix = `bench_reads_${process.pid}`;
/** Linux reports process CPU in clock ticks of USER_HZ = 100 per second. */
const MS_PER_TICK = 10;

const QUERIES = {
  'every subgraph': /* GraphQL */ `query EverySubgraph($id: ID!) { person(id: $id) { fullName residence { name province { name hotline quarantineFacilities { name freeBeds } } } declarations { kind symptoms declaredAt } checkIns { venue { name } checkedInAt } exposures { contact { fullName residence { province { name } } } venue { name } overlapMinutes } cases { confirmedAt infectiousFrom } contactStatus } }`,
  'person card': /* GraphQL */ `query PersonCard($id: ID!) { person(id: $id) { fullName phone residence { name } declarations { kind } } }`,
};
const PEOPLE = [DEMO_PEOPLE.an, DEMO_PEOPLE.binh, DEMO_PEOPLE.ha];

/** utime + stime (+ the reaped children's, for the postmaster) of a process, in ms. */
function cpuMs(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state is [0], utime [11], stime [12], cutime [13], cstime [14].
    const ticks = Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks * MS_PER_TICK;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return children;
}

/**
 * Counters every process serves on its metrics port (1000 above its own, in production): SQL
 * statements sent by database and GraphQL requests taken by server, summed over the hub. Where the
 * CPU goes is explained by how many of each a request costs.
 */
async function tally(ports: readonly number[]): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  await Promise.all(
    ports.map(async (port) => {
      const response = await request(`http://127.0.0.1:${port + 1000}/metrics`).catch(() => undefined);
      if (!response) return;
      for (const line of (await response.body.text()).split('\n')) {
        const match = /^(hub_db_queries_total|hub_graphql_requests_total)\{([^}]*)\} (\d+)/.exec(line);
        if (!match) continue;
        const label = /(?:database|server)="([^"]+)"/.exec(match[2]!)?.[1] ?? '?';
        const key = `${match[1] === 'hub_db_queries_total' ? 'sql' : 'graphql'} ${label}`;
        totals.set(key, (totals.get(key) ?? 0) + Number(match[3]));
      }
    }),
  );
  return totals;
}

/** What a process's V8 heap holds (its metrics port): each space's committed size, the young generation (`new`) apart. */
async function heapOf(port: number): Promise<string> {
  const response = await request(`http://127.0.0.1:${port + 1000}/metrics`).catch(() => undefined);
  if (!response) return 'unknown';
  const spaces: string[] = [];
  for (const line of (await response.body.text()).split('\n')) {
    const match = /^hub_nodejs_heap_space_size_total_bytes\{space="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (match && Number(match[2]) > 0) spaces.push(`${match[1]} ${(Number(match[2]) / 2 ** 20).toFixed(0)} MB`);
  }
  return `V8 heap committed: ${spaces.join(', ')} (the rest of resident memory is the binary, code and buffers outside the heap)`;
}

function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const logger = createLogger('bench', 'warn');
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-bench-reads-'));
  const server = await resolvePostgresServer({ databaseUrl: undefined, embeddedDir: dataDir, embeddedPort: await freePort(), logger });
  try {
    await measureReads(server.url, dataDir, logger);
  } finally {
    await stopHub?.();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Stops the hub's processes, also when a round fails (an unexpected answer throws): none is left running. */
let stopHub: (() => Promise<unknown>) | undefined;

async function measureReads(serverUrl: string, dataDir: string, logger: Logger): Promise<void> {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  // Backends that exit hand their CPU to the postmaster's cutime/cstime: counted with it.
  const postgresCpuMs = () => cpuMs(postmaster, true) + childrenOf(postmaster).reduce((sum, pid) => sum + cpuMs(pid), 0);

  const secrets = { JWT_SECRET: DEV_SECRETS.JWT_SECRET, INTERNAL_TOKEN_SECRET: DEV_SECRETS.INTERNAL_TOKEN_SECRET, NATIONAL_ID_KEY: DEV_SECRETS.NATIONAL_ID_KEY };
  // The vaccination service signs certificates: in production it needs a key (the development one here).
  const certificateKey = { CERTIFICATE_SIGNING_KEY: JSON.stringify(DEV_CERTIFICATE_KEY) };
  const hub = await startServices({
    postgresUrl: serverUrl,
    dbPrefix: prefix,
    provinceCodes: DEMO_PROVINCE_CODES,
    portOffset: await freePortOffset(DEMO_PROVINCE_CODES),
    logger,
    runtime: RUNTIME,
    // NODE_ENV=production (the bench runner's) requires the secrets: the bench's own.
    env: { LOG_LEVEL: 'warn', ...secrets, ...certificateKey },
    output: (service, line) => {
      if (/"level":(50|60)|Error/.test(line)) console.error(`[${service}] ${line}`);
    },
    beforeGateway: () => seedDemoOnServer({ postgresUrl: serverUrl, dbPrefix: prefix, redisUrl: undefined, nationalIdKey: secrets.NATIONAL_ID_KEY, logger }),
  });
  stopHub = () => hub.stop();
  const agent = new Agent({ connections: IN_FLIGHT * 2, keepAliveTimeout: 30_000 });
  const tokens = await Promise.all(
    Array.from({ length: CALLERS }, (_, i) => signCallerToken(secrets.JWT_SECRET, { subject: `bench-official-${i}`, role: 'national_official', expiresIn: '1h' })),
  );

  const processes = [...hub.services.values()];
  const snapshot = () => ({ postgres: postgresCpuMs(), ...Object.fromEntries(processes.map((p) => [p.spec.name, p.pid ? cpuMs(p.pid) : 0])) }) as Record<string, number>;
  // Each backend serves one database (its title: `postgres: user database host(port) state`, with
  // `[local]` for host(port) through the Unix socket): the PostgreSQL CPU by database, of the
  // backends alive at both ends of a round (pools keep theirs).
  const backendsByDatabase = () => {
    const spent = new Map<number, { database: string; ms: number }>();
    for (const pid of childrenOf(postmaster)) {
      try {
        const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const database = /^postgres: \S+ (\S+) (?:\[local\]|\S+\()/.exec(title)?.[1];
        if (database) spent.set(pid, { database: database.replace(`${prefix}_`, ''), ms: cpuMs(pid) });
      } catch {
        // Gone between the listing and the read.
      }
    }
    return spent;
  };
  const ask = (query: string) => async (i: number) => {
    const person = PEOPLE[i % PEOPLE.length]!;
    const response = await request(hub.gatewayUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
      body: JSON.stringify({ query, variables: { id: person.id } }),
    });
    const body = (await response.body.json()) as { data?: { person?: unknown }; errors?: unknown[] };
    if (response.statusCode !== 200 || !body.data?.person || body.errors?.length) throw new Error(`unexpected answer ${response.statusCode}: ${JSON.stringify(body).slice(0, 300)}`);
  };

  const rows: Array<Record<string, string | number>> = [];
  const perRequest = (before: Record<string, number>, after: Record<string, number>, requests: number) => {
    const spent = (name: string) => ((after[name] ?? 0) - (before[name] ?? 0)) / requests;
    const subgraphNames = processes.map((p) => p.spec.name).filter((n) => n !== 'gateway' && n !== 'worker');
    const subgraphs = subgraphNames.reduce((sum, n) => sum + spent(n), 0);
    return { gateway: spent('gateway'), subgraphs, worker: spent('worker'), postgres: spent('postgres'), each: Object.fromEntries(subgraphNames.map((n) => [n, spent(n)])) };
  };

  for (const [index, [name, query]] of Object.entries(QUERIES).entries()) {
    if (ONLY && !name.startsWith(ONLY)) continue;
    const rate = RATES?.[index];
    const measure = async (seconds: number) => (rate ? fixedRateRound(ask(query), rate, seconds, IN_FLIGHT * 4) : { ...(await closedLoopRound(ask(query), IN_FLIGHT, seconds)), skipped: 0 });
    await measure(WARM_UP);
    const counted = await tally(processes.map((p) => p.spec.port));
    const backendsBefore = backendsByDatabase();
    const before = snapshot();
    const round = await measure(SECONDS);
    if (round.skipped > 0) console.log(`${name}: ${round.skipped} requests skipped: the hub did not keep up with ${rate} a second`);
    const cost = perRequest(before, snapshot(), round.requests);
    const countedAfter = await tally(processes.map((p) => p.spec.port));
    const byDatabase = new Map<string, number>();
    for (const [pid, after] of backendsByDatabase()) {
      const before = backendsBefore.get(pid);
      if (before) byDatabase.set(after.database, (byDatabase.get(after.database) ?? 0) + (after.ms - before.ms) / round.requests);
    }
    const whole = cost.gateway + cost.subgraphs + cost.worker + cost.postgres;
    rows.push({
      query: name,
      'req/s': round.rps.toFixed(0),
      'p50 ms': round.p50.toFixed(1),
      'gateway ms': cost.gateway.toFixed(2),
      'subgraphs ms': cost.subgraphs.toFixed(2),
      'PostgreSQL ms': cost.postgres.toFixed(2),
      'whole hub ms': whole.toFixed(2),
      'gateway RSS MB': residentMb(hub.get('gateway').pid!).toFixed(0),
    });
    console.log(`${name}: gateway memory at the round's end: ${await heapOf(hub.get('gateway').spec.port)}`);
    console.log(`${name}: CPU ms per request by subgraph process: ${Object.entries(cost.each).map(([n, ms]) => `${n} ${ms.toFixed(2)}`).join(', ')}`);
    // The tally's own scrapes and the other round's stragglers are within ±1 of a 10 s round's thousands.
    const perCall = [...countedAfter].map(([key, n]) => [key, (n - (counted.get(key) ?? 0)) / round.requests] as const).filter(([, n]) => n >= 0.01);
    console.log(`${name}: PostgreSQL CPU ms per request by database: ${[...byDatabase].filter(([, ms]) => ms >= 0.005).map(([d, ms]) => `${d} ${ms.toFixed(2)}`).join(', ')}`);
    console.log(`${name}: per request, GraphQL requests by server and SQL statements by database: ${perCall.map(([k, n]) => `${k} ${n.toFixed(2)}`).join(', ')}`);
  }

  // The hub at rest, after the rounds: what its processes spend with no request (background duties: outbox
  // relays, job workers, readiness probes). At a few hundred requests a second this is part of each
  // request's share, so it is printed apart.
  {
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the last round's stragglers done
    const before = snapshot();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, SECONDS / 2) * 1000));
    const after = snapshot();
    const seconds = (performance.now() - started) / 1000;
    const idle = Object.keys(after).map((name) => [name, (after[name]! - (before[name] ?? 0)) / seconds] as const);
    const total = idle.reduce((sum, [, ms]) => sum + ms, 0);
    console.log(`idle: the whole hub ${total.toFixed(0)} ms of CPU a second; by process: ${idle.map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(', ')}`);
  }

  // Baseline: the person card's own statements, straight to the server, as many in flight.
  const declarations = postgres(databaseUrl(serverUrl, databaseName(prefix, 'declarations')), { max: IN_FLIGHT, onnotice: () => {} });
  const units = postgres(databaseUrl(serverUrl, databaseName(prefix, 'units')), { max: IN_FLIGHT, onnotice: () => {} });
  const work = async (i: number) => {
    const person = PEOPLE[i % PEOPLE.length]!;
    const [row] = await declarations`select id, full_name, phone, residence_ward_code, residence_province_code from people where id = ${person.id}`;
    await Promise.all([
      units`select code, name from wards where code = ${row!.residence_ward_code as string}`,
      declarations`select kind from health_declarations where person_id = ${person.id} order by declared_at desc`,
      declarations`insert into audit_records (subject, role, jurisdiction, person_id, fields, masked_fields, operation_name, at, outcome)
                   values (${`bench-official-${i % CALLERS}`}, 'national_official', ${['all']}, ${person.id}, ${['fullName', 'phone', 'residence', 'declarations']}, ${[]}, 'PersonCard', now(), 'ALLOWED')`,
    ]);
  };
  await closedLoopRound(work, IN_FLIGHT, Math.max(1, SECONDS / 5));
  const pgBefore = postgresCpuMs();
  const baseline = await closedLoopRound(work, IN_FLIGHT, SECONDS);
  const baselinePg = (postgresCpuMs() - pgBefore) / baseline.requests;
  await Promise.all([declarations.end(), units.end()]);

  console.log(`\nreads: ${CALLERS} callers, ${RATES ? `${RATES.join(' and ')} requests a second (open loop)` : `${IN_FLIGHT} in flight`}, ${SECONDS} s per query, separate processes, embedded PostgreSQL of its own; ${await machine()}`);
  console.table(rows);
  const card = rows.find((r) => r.query === 'person card');
  if (card) console.log(
    `baseline (the person card's statements sent directly): ${baseline.rps.toFixed(0)} req/s, PostgreSQL ${baselinePg.toFixed(2)} ms per request; ` +
      `the hub's PostgreSQL CPU per person card is ${(Number(card['PostgreSQL ms']) / baselinePg).toFixed(1)}x the work's`,
  );

  stopHub = undefined;
  await hub.stop();
  await agent.close();
}

await main();
