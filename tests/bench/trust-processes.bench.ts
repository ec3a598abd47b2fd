/**
 * The cost of trust measured as issue 17 measures reads: two hubs, each service its own OS process
 * (hub/services.ts, as `npm run start:services` runs them), one with the declarations subgraph as
 * deployed (the access policy decides, the view is masked, an audit record is committed before the
 * answer leaves) and one with its baseline (tests/bench/trust-off.ts: no audit, every caller
 * national). Both hubs' declarations processes run tests/bench/trust-declarations.ts, and every
 * service runs as `--dist` says, alike in both (with `--dist` the bench compiles its two files
 * beside the build, dist/tests/bench/). Distinct callers (64 by default, as in
 * the reads bench) ask for the person card at a fixed rate (500 a second by default, open loop, at
 * most 4 × 16 outstanding), in rounds that alternate between the hubs (which goes first alternates
 * too). For each round it reads from /proc the CPU of every process of that hub and of that hub's
 * PostgreSQL backends, per card. A fixed rate, because per-request CPU falls as the rate rises
 * (more requests share each wake-up of a process): in a closed loop, trust on's slower answers (it
 * waits for the audit commit) would lower its rate and so raise every process's CPU per card,
 * the gateway's too (0.73 against 0.63 ms in a first closed-loop run). `--rate=0`: closed loop,
 * 16 in flight.
 *
 * Headline: trust off's whole-hub CPU per card ÷ trust on's (the median of the rounds' ratios),
 * which is what trust on ÷ off would be in requests a second on a machine the hub saturates.
 * tests/bench/trust.bench.ts measures the same in one process, where a request that waits for its
 * audit commit also slows every other one sharing the thread.
 * The server's own background processes (WAL writer, checkpointer), shared by both hubs, are not counted.
 *
 * npm run bench -- trust-processes [seconds per round=3] [rounds=8] [callers=64] [in flight=16] [--dist] [--rate=500] [--warm-up=10]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import ts from 'typescript';
import { Agent, request } from 'undici';
import { seedDemoOnServer } from '../../hub/launch.ts';
import { startServices, type RunningServices } from '../../hub/services.ts';
import { databaseName, databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEMO_PEOPLE, DEMO_PROVINCE_CODES } from '../../subgraphs/shared/demo.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { DEV_CERTIFICATE_KEY } from '../../subgraphs/vaccination/certificates/keys.ts';
import { freePortOffset } from '../support/ports.ts';
import { backendPids, benchPostgres, closedLoopRound, fixedRateRound, machine, median, processCpuMs } from './support.ts';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 8);
const CALLERS = Number(process.argv[4] ?? 64);
const IN_FLIGHT = Number(process.argv[5] ?? 16);
const RUNTIME = process.argv.includes('--dist') ? 'dist' : 'tsx';
const RATE = Number(process.argv.find((a) => a.startsWith('--rate='))?.slice('--rate='.length) ?? 500);
const WARM_UP = Number(process.argv.find((a) => a.startsWith('--warm-up='))?.slice('--warm-up='.length) ?? 10);
const prefix = `bench_trustp_${process.pid}`;

/** The declarations entry both hubs run (see trust-declarations.ts), and the files it takes from tests/bench. */
const DECLARATIONS_ENTRY = 'tests/bench/trust-declarations';
const BENCH_FILES = ['trust-declarations.ts', 'trust-off.ts'];

/**
 * With `--dist`, the bench's own two files as JavaScript beside the build (dist/tests/bench/), so
 * that both hubs' declarations run with plain node like every other service: the build leaves
 * tests/ out, and tsx in one process would add its loader's cost to the very process compared.
 * Relative `.ts` imports become `.js`, as the build's tsconfig rewrites them.
 */
function compileBenchFiles(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  for (const file of BENCH_FILES) {
    const source = readFileSync(join(root, 'tests/bench', file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, rewriteRelativeImportExtensions: true },
    });
    const out = join(root, 'dist/tests/bench', file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
}

const QUERY = /* GraphQL */ `query PersonCard($id: ID!) { person(id: $id) { fullName phone residence { name } declarations { kind } } }`;
// People of province 79: the callers (province-79 officials) may read them in full, so both hubs answer alike.
const PEOPLE = [DEMO_PEOPLE.an, DEMO_PEOPLE.binh, DEMO_PEOPLE.ha];

type Trust = 'on' | 'off';
interface Round {
  rps: number;
  requests: number;
  /** Requests not sent: the hub was behind the rate (fixed rate only). */
  skipped: number;
  /** CPU ms per card: the gateway, the declarations subgraph, the hub's other processes, its PostgreSQL backends. */
  gateway: number;
  declarations: number;
  others: number;
  postgres: number;
}
const whole = (r: Round) => r.gateway + r.declarations + r.others + r.postgres;

const logger = createLogger('bench', 'warn');
const secrets = { JWT_SECRET: DEV_SECRETS.JWT_SECRET, INTERNAL_TOKEN_SECRET: DEV_SECRETS.INTERNAL_TOKEN_SECRET, NATIONAL_ID_KEY: DEV_SECRETS.NATIONAL_ID_KEY };
// A server of its own (embedded), so every backend's CPU is one of the two hubs'.
if (RUNTIME === 'dist') compileBenchFiles();
const server = await benchPostgres({ own: true });
const admin = postgres(databaseUrl(server.url, 'postgres'), { max: 1, onnotice: () => {} });
const agent = new Agent({ connections: IN_FLIGHT * 2, keepAliveTimeout: 30_000 });
const hubs: Partial<Record<Trust, RunningServices>> = {};
try {
  const start = async (trust: Trust) => {
    const dbPrefix = `${prefix}_${trust}`;
    return startServices({
      postgresUrl: server.url,
      dbPrefix,
      provinceCodes: DEMO_PROVINCE_CODES,
      portOffset: await freePortOffset(DEMO_PROVINCE_CODES),
      logger,
      runtime: RUNTIME,
      // NODE_ENV=production (the bench runner's) requires the secrets: the bench's own.
      env: { LOG_LEVEL: 'warn', ...secrets, CERTIFICATE_SIGNING_KEY: JSON.stringify(DEV_CERTIFICATE_KEY) },
      replace: { declarations: { entry: DECLARATIONS_ENTRY, runtime: RUNTIME, env: { BENCH_TRUST: trust } } },
      output: (service, line) => {
        if (/"level":(50|60)|Error/.test(line)) console.error(`[trust ${trust}: ${service}] ${line}`);
      },
      beforeGateway: () => seedDemoOnServer({ postgresUrl: server.url, dbPrefix, redisUrl: undefined, nationalIdKey: secrets.NATIONAL_ID_KEY, logger }),
    });
  };
  hubs.on = await start('on');
  hubs.off = await start('off');
  const tokens = await Promise.all(
    Array.from({ length: CALLERS }, (_, i) => signCallerToken(secrets.JWT_SECRET, { subject: `bench-official-79-${i}`, role: 'province_official', provinces: ['79'], purpose: 'benchmark', expiresIn: '1h' })),
  );

  const ask = (hub: RunningServices) => async (i: number) => {
    const response = await request(hub.gatewayUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
      body: JSON.stringify({ query: QUERY, variables: { id: PEOPLE[i % PEOPLE.length]!.id } }),
    });
    const body = (await response.body.json()) as { data?: { person?: { fullName?: string | null } | null }; errors?: unknown[] };
    if (response.statusCode !== 200 || !body.data?.person?.fullName || body.errors?.length) throw new Error(`unexpected answer ${response.statusCode}: ${JSON.stringify(body).slice(0, 300)}`);
  };

  /** CPU ms so far by process of the hub, and of its backends (pools keep theirs; one that starts mid-round counts from zero). */
  const snapshot = async (trust: Trust) => {
    const hub = hubs[trust]!;
    const processes = new Map([...hub.services.values()].map((p) => [p.spec.name, p.pid ? processCpuMs([p.pid]) : 0]));
    const backends = new Map((await backendPids(admin, `${prefix}_${trust}`)).map((pid) => [pid, processCpuMs([pid])]));
    return { processes, backends };
  };
  const round = async (trust: Trust, seconds: number): Promise<Round> => {
    const before = await snapshot(trust);
    const r = RATE > 0 ? await fixedRateRound(ask(hubs[trust]!), RATE, seconds, IN_FLIGHT * 4) : { ...(await closedLoopRound(ask(hubs[trust]!), IN_FLIGHT, seconds)), skipped: 0 };
    const after = await snapshot(trust);
    const spent = (name: string) => ((after.processes.get(name) ?? 0) - (before.processes.get(name) ?? 0)) / r.requests;
    const names = [...after.processes.keys()];
    const postgresMs = [...after.backends].reduce((sum, [pid, ms]) => sum + ms - (before.backends.get(pid) ?? 0), 0);
    return {
      rps: r.rps,
      requests: r.requests,
      skipped: r.skipped,
      gateway: spent('gateway'),
      declarations: spent('declarations'),
      others: names.filter((n) => n !== 'gateway' && n !== 'declarations').reduce((sum, n) => sum + spent(n), 0),
      postgres: postgresMs / r.requests,
    };
  };

  console.log(`machine: ${await machine()}; PostgreSQL: embedded server of its own; services: ${RUNTIME}`);
  console.log(`query: ${QUERY}`);
  console.log(`callers: ${CALLERS} province_officials of 79, ${RATE > 0 ? `${RATE} requests a second (open loop)` : `${IN_FLIGHT} in flight`}; ${WARM_UP} s warm-up per hub; ${ROUNDS} rounds of ${SECONDS} s each way`);
  await round('on', WARM_UP);
  await round('off', WARM_UP);

  const rounds: Record<Trust, Round[]> = { on: [], off: [] };
  const show = (r: Round) =>
    `${r.rps.toFixed(0).padStart(5)} req/s${r.skipped ? ` (${r.skipped} skipped: behind the rate)` : ''}, CPU per card ${whole(r).toFixed(3)} ms (gateway ${r.gateway.toFixed(3)}, declarations ${r.declarations.toFixed(3)}, others ${r.others.toFixed(3)}, PostgreSQL ${r.postgres.toFixed(3)})`;
  for (let i = 1; i <= ROUNDS; i++) {
    const order: Trust[] = i % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
    for (const trust of order) rounds[trust].push(await round(trust, SECONDS));
    const [on, off] = [rounds.on.at(-1)!, rounds.off.at(-1)!];
    console.log(`round ${i}: trust on ${show(on)} | trust off ${show(off)} | off ÷ on ${(whole(off) / whole(on)).toFixed(2)}`);
  }
  const part = (trust: Trust, pick: (r: Round) => number) => median(rounds[trust].map(pick)).toFixed(3);
  for (const trust of ['on', 'off'] as const) {
    console.log(
      `trust ${trust.padEnd(3)}: ${part(trust, whole)} ms of CPU per card (gateway ${part(trust, (r) => r.gateway)}, declarations ${part(trust, (r) => r.declarations)}, ` +
        `others ${part(trust, (r) => r.others)}, PostgreSQL ${part(trust, (r) => r.postgres)}; medians of ${ROUNDS} rounds), ${median(rounds[trust].map((r) => r.rps)).toFixed(0)} req/s`,
    );
  }
  const ratio = median(rounds.on.map((on, i) => whole(rounds.off[i]!) / whole(on)));
  console.log(`trust on ÷ off, by whole-hub CPU per card (off's ÷ on's): ${ratio.toFixed(2)}x (median of the rounds' ratios; issue 17's target ≥ 0.9x)`);
  const declarations = postgres(databaseUrl(server.url, databaseName(`${prefix}_on`, 'declarations')), { max: 1, onnotice: () => {} });
  const [audited] = await declarations<{ n: number }[]>`select count(*)::int as n from audit_records where subject like 'bench-official-79-%'`;
  await declarations.end();
  console.log(`audit records written by the trust-on hub: ${audited?.n}`);
} finally {
  await Promise.all([hubs.on?.stop(), hubs.off?.stop()]);
  await agent.close();
  await admin.end();
  await server.stop();
}
