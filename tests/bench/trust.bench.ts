/**
 * The cost of trust: throughput of a person query through the gateway with authorisation, masking
 * and audit on (the access policy decides, the view is masked, one audit record is written before
 * the response leaves the declarations subgraph) against the same hub with them off (`trustOff`, tests/bench/trust-off.ts: no audit, every caller national),
 * in one run. Target: on ≥ 0.9 × off requests/s (issue 17; it was 0.8 before).
 *
 * Both hubs run in this process on one PostgreSQL server. Each round measures both, in alternating
 * order (on then off, then off then on, …), so drifting machine load hits both alike; the headline
 * is the median over rounds of each round's on/off ratio.
 *
 * npm run bench -- trust, or: npx tsx tests/bench/trust.bench.ts [seconds per round=4] [concurrency=16] [rounds=5]
 */
import postgres from 'postgres';
import { Agent, request } from 'undici';
import { startHub, type Hub } from '../../hub/launch.ts';
import { databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { benchPostgres, closedLoopRound, machine } from './support.ts';
import { SUBGRAPH_MODULES } from '../../subgraphs/modules.ts';
import { trustOff } from './trust-off.ts';

const SECONDS = Number(process.argv[2] ?? 4);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const ROUNDS = Number(process.argv[4] ?? 5);
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_trust_${process.pid}`;
const logger = createLogger('bench', 'warn');

const QUERY = /* GraphQL */ `query PersonCard($id: ID!) { person(id: $id) { fullName phone residence { name } declarations { kind } } }`;
// People of province 79: the caller (a province-79 official) may read them in full.
const PEOPLE = [DEMO_PEOPLE.an, DEMO_PEOPLE.binh, DEMO_PEOPLE.ha];

interface Round {
  rps: number;
  requests: number;
  p50: number;
}

const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}`);
console.log(`query: ${QUERY}`);
console.log(`caller: province_official of 79; ${CONCURRENCY} concurrent clients; ${ROUNDS} rounds of ${SECONDS} s each way`);
const hubs: Hub[] = [];
const agent = new Agent({ keepAliveTimeout: 30_000, connections: CONCURRENCY * 2 });
try {
  const start = (trust: boolean) =>
    startHub({
      postgresUrl: server.url, dbPrefix: `${prefix}_${trust ? 'on' : 'off'}`, secrets, ports: 'random', provinceCodes: [], seedDemo: true,
      supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 10_000, provinceTimeoutMs: 5_000,
      maxBodyBytes: 1_000_000, logger, tracingWorkers: false,
      ...(trust ? {} : { modules: Object.fromEntries(Object.entries(SUBGRAPH_MODULES).map(([name, module]) => [name, trustOff(module)])) }),
    });
  const on = await start(true);
  hubs.push(on);
  const off = await start(false);
  hubs.push(off);
  const token = await signCallerToken(secrets.jwt, { subject: 'bench-official-79', role: 'province_official', provinces: ['79'], purpose: 'benchmark' });

  const ask = async (url: string, i: number) => {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables: { id: PEOPLE[i % PEOPLE.length]!.id } }),
    });
    const body = (await response.body.json()) as { data?: { person: { fullName: string | null } | null }; errors?: unknown[] };
    if (body.errors || !body.data?.person?.fullName) throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 300)}`);
  };

  const round = (url: string, seconds: number): Promise<Round> => closedLoopRound((i) => ask(url, i), CONCURRENCY, seconds);

  // Same answer both ways for the province-79 official (all visible), so the work differs only by trust.
  await ask(on.gatewayUrl, 0);
  await ask(off.gatewayUrl, 0);
  await round(on.gatewayUrl, 2);
  await round(off.gatewayUrl, 2);

  const onRounds: Round[] = [];
  const offRounds: Round[] = [];
  const show = (r: Round) => `${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.p50.toFixed(2)} ms  (${r.requests} requests)`;
  for (let r = 1; r <= ROUNDS; r++) {
    let a: Round;
    let b: Round;
    if (r % 2 === 1) {
      a = await round(on.gatewayUrl, SECONDS);
      b = await round(off.gatewayUrl, SECONDS);
    } else {
      b = await round(off.gatewayUrl, SECONDS);
      a = await round(on.gatewayUrl, SECONDS);
    }
    onRounds.push(a);
    offRounds.push(b);
    console.log(`round ${r}: trust on ${show(a)} | trust off ${show(b)} | ratio ${(a.rps / b.rps).toFixed(2)}`);
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const onRps = median(onRounds.map((r) => r.rps));
  const offRps = median(offRounds.map((r) => r.rps));
  const ratio = median(onRounds.map((a, i) => a.rps / offRounds[i]!.rps));
  console.log(`trust on  (policy + masking + audit): ${onRps.toFixed(0)} req/s (median of ${ROUNDS} rounds)`);
  console.log(`trust off (baseline)                : ${offRps.toFixed(0)} req/s (median of ${ROUNDS} rounds)`);
  console.log(`ratio on/off: ${ratio.toFixed(2)}x (median of the rounds' ratios; target ≥ 0.9x)`);

  const declarations = on.subgraphs.find((s) => s.name === 'declarations')!;
  const [count] = await declarations.database.sql<{ n: number }[]>`select count(*)::int as n from audit_records where subject = 'bench-official-79'`;
  console.log(`audit records written by the trust-on hub: ${count?.n}`);
} finally {
  for (const hub of hubs) await hub.stop();
  await agent.close();
  const sql = postgres(databaseUrl(server.url, 'postgres'), { max: 1, onnotice: () => {} });
  for (const { datname } of await sql<{ datname: string }[]>`select datname from pg_database where datname like ${prefix + '%'}`) {
    await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await sql.end();
  await server.stop();
}
