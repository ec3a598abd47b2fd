/**
 * Dose ingest: the same N doses stored (a) by `recordVaccinations` batches through the hub as
 * deployed (hub/services.ts: the gateway, every subgraph and the worker, each its own OS process),
 * where the vaccination subgraph also resolves residence codes through the units subgraph and
 * keeps every person's status and the coverage counters current in the same transaction, and (b)
 * by `COPY … FROM STDIN` into a database of the same shape (the floor: PostgreSQL's fastest way
 * in, no rollups). Target: GraphQL ≥ 0.5 × COPY rows/s.
 *
 * The uploads are sent as sites send them: a partner token (scope vaccinations:write), the
 * registered operation by id. Three rounds, each COPY then GraphQL, so that machine noise hits both
 * alike; the best of each is compared. Each round's dose events are relayed and counted
 * by analytics before the next round starts (their work would otherwise fall on the next COPY).
 * Beside the rates, the CPU each path spent per 1,000 rows: COPY this process and its PostgreSQL
 * backend; GraphQL every process of the hub and the backends of the hub's databases, up to the
 * events' arrival in analytics (this process only sends the batches). On a shared machine that
 * figure moves far less with the load than the wall times.
 *
 * npm run bench -- vaccination-ingest, or: npx tsx tests/bench/vaccination-ingest.bench.ts [rows=100000] [batch=5000] [concurrency=2] [--dist]
 * `--dist`: the services as built (`npm run build`, plain node) instead of TypeScript through tsx.
 * ROUNDS=n in the environment: n rounds instead of 3.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startServices } from '../../hub/services.ts';
import * as tables from '../../subgraphs/vaccination/db/schema.ts';
import { vaccinationModule } from '../../subgraphs/vaccination/server.ts';
import { MAX_DOSES_BATCH } from '../../subgraphs/vaccination/validation.ts';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';
import { databaseName, databaseUrl, openSubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { DEV_CERTIFICATE_KEY } from '../../subgraphs/vaccination/certificates/keys.ts';
import { request } from 'undici';
import { freePortOffset } from '../support/ports.ts';
import { backendPids, benchPostgres, machine, processCpuMs } from './support.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const ROWS = Number(args[0] ?? 100_000);
const BATCH = Math.min(Number(args[1] ?? MAX_DOSES_BATCH), MAX_DOSES_BATCH);
const CONCURRENCY = Number(args[2] ?? 2);
const RUNTIME = process.argv.includes('--dist') ? 'dist' : 'tsx';
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PRODUCTS = ['COMIRNATY', 'SPIKEVAX', 'VAXZEVRIA', 'COVILO', 'ABDALA', 'SPUTNIK_V', 'JANSSEN'];
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_vacc_ingest_${process.pid}`;
const logger = createLogger('bench', 'warn');
const SOURCE = 'bench-site';
const RECORD = /* GraphQL */ `mutation RecordVaccinations($doses: [DoseInput!]!) { recordVaccinations(doses: $doses) { accepted duplicates rejected { index code } } }`;
const documentId = createHash('sha256').update(RECORD, 'utf8').digest('hex');

const hex12 = (n: number) => n.toString(16).padStart(12, '0');

interface Row {
  recordId: string;
  personId: string;
  product: string;
  doseNumber: number;
  administeredAt: string;
  lot: string;
  wardCode: string;
  birthYear: number;
}

/** Deterministic doses: people with one to three doses each (numbered in order), over the demo wards. `tag` makes the ids. */
function makeRows(n: number, tag: string): Row[] {
  const rows: Row[] = [];
  // mulberry32: an LCG of neighbouring seeds made one round's doses fall on 54 (day, ward) pairs
  // per batch where the others had about 570, a far lighter round for analytics.
  let seed = 0x9e3779b9 ^ Math.imul(parseInt(tag, 16) + 1, 0x85ebca6b);
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  for (let person = 0; rows.length < n; person++) {
    const personId = `9acc${tag}00-0000-4000-8000-${hex12(person)}`;
    const ward = DEMO_WARDS[Math.floor(random() * DEMO_WARDS.length)]!.code;
    const birthYear = 1940 + Math.floor(random() * 80);
    const product = PRODUCTS[Math.floor(random() * PRODUCTS.length)]!;
    for (let dose = 1, count = 1 + Math.floor(random() * 3); dose <= count && rows.length < n; dose++) {
      rows.push({
        recordId: `B${tag}-${person}-${dose}`, personId, product, doseNumber: dose,
        administeredAt: new Date(Date.UTC(2021, 6, 1) + (dose * 30 + Math.floor(random() * 20)) * 86_400_000).toISOString(),
        lot: `LOT${Math.floor(random() * 1000)}`, wardCode: ward, birthYear,
      });
    }
  }
  return rows;
}

const provinceOf = new Map(DEMO_WARDS.map((w) => [w.code, w.provinceCode]));
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}`);
console.log(`${ROWS} doses, batches of ${BATCH}, ${CONCURRENCY} batch(es) in flight through the gateway; ${ROUNDS} rounds, COPY and GraphQL alternating`);

/** (b) COPY FROM STDIN on one connection; milliseconds. The ward → province look-up is work the GraphQL path does too. */
async function copyRows(sql: postgres.Sql, rows: Row[]): Promise<number> {
  const started = performance.now();
  const writable = await sql`copy doses (source, record_id, person_id, product_code, dose_number, lot, administered_at, ward_code, province_code, birth_year) from stdin`.writable();
  for (let i = 0; i < rows.length; i += BATCH) {
    const text = rows
      .slice(i, i + BATCH)
      .map((r) => `${SOURCE}\t${r.recordId}\t${r.personId}\t${r.product}\t${r.doseNumber}\t${r.lot}\t${r.administeredAt}\t${r.wardCode}\t${provinceOf.get(r.wardCode)}\t${r.birthYear}\n`)
      .join('');
    if (!writable.write(text)) await new Promise((resolve) => writable.once('drain', resolve));
  }
  await new Promise<void>((resolve, reject) => writable.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return performance.now() - started;
}

const copyDb = `${prefix}_copy`;
const documentsDir = mkdtempSync(join(tmpdir(), 'bench-vaccination-ingest-'));
writeFileSync(join(documentsDir, `${SOURCE}.json`), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: documentId, name: 'RecordVaccinations', type: 'mutation', body: RECORD }] }));
let exitCode = 0;
try {
  const copyTarget = await openSubgraphDatabase(server.url, copyDb, 'vaccination', tables);
  await vaccinationModule.prepare!(copyTarget.db);
  await copyTarget.close();
  const copySql = postgres(databaseUrl(server.url, copyDb), { max: 1, onnotice: () => {} });
  const [{ pid: copyPid }] = await copySql<[{ pid: number }]>`select pg_backend_pid() as pid`;

  // (a) GraphQL: the hub as deployed, no province shards, no demo data. NODE_ENV=production (the
  // bench runner's) requires the secrets: the bench's own, and the development certificate key.
  const hub = await startServices({
    postgresUrl: server.url,
    dbPrefix: prefix,
    provinceCodes: [],
    portOffset: await freePortOffset([]),
    logger,
    runtime: RUNTIME,
    env: {
      LOG_LEVEL: 'warn', JWT_SECRET: secrets.jwt, INTERNAL_TOKEN_SECRET: secrets.internalToken, NATIONAL_ID_KEY: secrets.nationalIdKey,
      CERTIFICATE_SIGNING_KEY: JSON.stringify(DEV_CERTIFICATE_KEY), TRUSTED_DOCUMENTS_DIR: documentsDir,
      MAX_BODY_BYTES: '4000000', SUBGRAPH_TIMEOUT_MS: '60000',
    },
    output: (service, line) => {
      if (/"level":(50|60)|Error/.test(line)) console.error(`[${service}] ${line}`);
    },
  });
  const monitor = postgres(databaseUrl(server.url, 'postgres'), { max: 1, onnotice: () => {} });
  const analyticsSql = postgres(databaseUrl(server.url, databaseName(prefix, 'analytics')), { max: 1, onnotice: () => {} });
  try {
    const token = await signCallerToken(secrets.jwt, { subject: SOURCE, role: 'partner', scopes: ['vaccinations:write'] });
    const post = async (batch: Row[]) => {
      const response = await request(hub.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ documentId: `sha256:${documentId}`, variables: { doses: batch } }),
      });
      const body = (await response.body.json()) as { data?: { recordVaccinations: { accepted: number; duplicates: number; rejected: unknown[] } }; errors?: unknown[] };
      if (body.errors || !body.data) throw new Error(`recordVaccinations failed (${response.statusCode}): ${JSON.stringify(body.errors).slice(0, 400)}`);
      return body.data.recordVaccinations;
    };
    let stored = 0;
    /** Until analytics has counted every dose stored so far (the events relayed and consumed). */
    const eventsArrived = async () => {
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
        const [row] = await analyticsSql<[{ n: number }]>`select coalesce(sum(value), 0)::int as n from daily_rollups where province = '*' and ward = '*' and metric = 'doses_given'`;
        if (row.n >= stored) return;
      }
      throw new Error(`analytics did not count ${stored} doses within 120 s`);
    };
    /** The parts of the hub's CPU the bench reports (PARTS order): the processes it touches, the others, and the PostgreSQL backends. */
    const processes = [...hub.services.values()];
    const pidsOf = (names: readonly string[], include: boolean) => processes.filter((p) => names.includes(p.spec.name) === include).map((p) => p.pid!).filter(Boolean);
    const touched = ['gateway', 'vaccination', 'units', 'analytics', 'worker'];
    const hubCpu = async () => [
      ...touched.map((name) => processCpuMs(pidsOf([name], true))),
      processCpuMs(pidsOf(touched, false)),
      ...(await (async () => {
        const vaccination = await backendPids(monitor, databaseName(prefix, 'vaccination'));
        const others = (await backendPids(monitor, prefix)).filter((pid) => !vaccination.includes(pid));
        return [processCpuMs(vaccination), processCpuMs(others)];
      })()),
    ];
    const PARTS = [...touched, 'other subgraphs', 'PostgreSQL: vaccination', 'PostgreSQL: other databases'];
    /** (a) every upload through the gateway, CONCURRENCY batches in flight; milliseconds, and CPU ms up to the events' arrival. */
    const graphqlRows = async (rows: Row[]): Promise<{ ms: number; cpuMs: number; parts: number[] }> => {
      const batches: Row[][] = [];
      for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));
      let accepted = 0;
      let next = 0;
      const cpuBefore = await hubCpu();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batches.length) {
            const result = await post(batches[next++]!);
            if (result.rejected.length > 0) throw new Error(`rejected rows: ${JSON.stringify(result.rejected.slice(0, 3))}`);
            accepted += result.accepted;
          }
        }),
      );
      const ms = performance.now() - started;
      if (accepted !== rows.length) throw new Error(`GraphQL stored ${accepted} doses, expected ${rows.length}`);
      stored += accepted;
      await eventsArrived();
      const parts = (await hubCpu()).map((after, i) => after - cpuBefore[i]!);
      return { ms, cpuMs: parts.reduce((a, b) => a + b, 0), parts };
    };
    /** (b) COPY, with the CPU of its backend and of this process. */
    const copyRound = async (rows: Row[]): Promise<{ ms: number; cpuMs: number }> => {
      const cpu = () => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000 + processCpuMs([copyPid]);
      const before = cpu();
      const ms = await copyRows(copySql, rows);
      return { ms, cpuMs: cpu() - before };
    };

    // Warm-up (plans, connections, the ward cache, the gateway's manifest) with rows that are not part of the measured set.
    await graphqlRows(makeRows(BATCH * CONCURRENCY, 'ff'));
    await copyRows(copySql, makeRows(BATCH, 'fe'));

    const copyRounds: Array<{ ms: number; cpuMs: number }> = [];
    const graphqlRounds: Array<{ ms: number; cpuMs: number; parts: number[] }> = [];
    const perThousand = (cpuMs: number) => ((cpuMs / ROWS) * 1000).toFixed(0);
    for (let round = 0; round < ROUNDS; round++) {
      const rows = makeRows(ROWS, hex12(round).slice(-2));
      copyRounds.push(await copyRound(rows));
      graphqlRounds.push(await graphqlRows(rows));
      const [c, g] = [copyRounds[round]!, graphqlRounds[round]!];
      console.log(`round ${round + 1}: COPY ${rate(ROWS, c.ms)} rows/s (CPU ${perThousand(c.cpuMs)} ms/1,000 rows), GraphQL ${rate(ROWS, g.ms)} rows/s (CPU ${perThousand(g.cpuMs)} ms/1,000 rows: ${PARTS.map((name, i) => `${name} ${perThousand(g.parts[i]!)}`).join(', ')})`);
    }
    const copyMs = Math.min(...copyRounds.map((r) => r.ms));
    const graphqlMs = Math.min(...graphqlRounds.map((r) => r.ms));
    const copyCpu = Math.min(...copyRounds.map((r) => r.cpuMs));
    const graphqlCpu = Math.min(...graphqlRounds.map((r) => r.cpuMs));
    console.log(`COPY FROM STDIN                 : ${ROWS} doses in ${(copyMs / 1000).toFixed(2)} s = ${rate(ROWS, copyMs)} rows/s (best round)`);
    console.log(`GraphQL recordVaccinations      : ${ROWS} doses in ${(graphqlMs / 1000).toFixed(2)} s = ${rate(ROWS, graphqlMs)} rows/s (best round, statuses and coverage kept current)`);
    console.log(`ratio GraphQL / COPY (as deployed): ${(copyMs / graphqlMs).toFixed(2)}x  (target ≥ 0.5x)`);
    console.log(`CPU per 1,000 rows (least round): COPY ${perThousand(copyCpu)} ms, GraphQL ${perThousand(graphqlCpu)} ms (events relayed and counted included); ratio COPY / GraphQL ${(copyCpu / graphqlCpu).toFixed(2)}x`);

    // The first round's batches again: every row a duplicate, nothing stored (the idempotent retry path).
    const again = makeRows(BATCH * 2, '00');
    let duplicates = 0;
    const retryStarted = performance.now();
    for (let i = 0; i < again.length; i += BATCH) duplicates += (await post(again.slice(i, i + BATCH))).duplicates;
    const retryMs = performance.now() - retryStarted;
    if (duplicates !== again.length) throw new Error(`retry: ${duplicates} duplicates, expected ${again.length}`);
    console.log(`retried batches                 : ${duplicates} duplicates in ${(retryMs / 1000).toFixed(2)} s = ${rate(duplicates, retryMs)} rows/s`);
    await copySql.end();
  } finally {
    await monitor.end();
    await analyticsSql.end();
    await hub.stop();
  }
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  const sql = postgres(databaseUrl(server.url, 'postgres'), { max: 1, onnotice: () => {} });
  for (const { datname } of await sql<{ datname: string }[]>`select datname from pg_database where datname like ${prefix + '%'}`) {
    await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await sql.end();
  await server.stop();
  rmSync(documentsDir, { recursive: true, force: true });
}
process.exit(exitCode);
