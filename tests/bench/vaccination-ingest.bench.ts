/**
 * Dose ingest: the same N doses stored (a) by `recordVaccinations` batches through the gateway (in
 * a process of its own, as deployed) and the vaccination subgraph, which also resolves residence
 * codes through the units subgraph and keeps every person's status and the coverage counters
 * current in the same transaction, and (b) by `COPY … FROM STDIN` into a database of the same
 * shape (the floor: PostgreSQL's fastest way in, no rollups). Target: GraphQL ≥ 0.5 × COPY rows/s.
 *
 * Three rounds, each COPY then GraphQL, so that machine noise hits both alike; the best of each is compared.
 *
 * npm run bench -- vaccination-ingest, or: npx tsx tests/bench/vaccination-ingest.bench.ts [rows=100000] [batch=5000] [concurrency=2]
 */
import postgres from 'postgres';
import { startHub } from '../../hub/launch.ts';
import * as tables from '../../subgraphs/vaccination/db/schema.ts';
import { vaccinationModule } from '../../subgraphs/vaccination/server.ts';
import { MAX_DOSES_BATCH } from '../../subgraphs/vaccination/validation.ts';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';
import { databaseUrl, openSubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { benchPostgres, machine, postGraphQL, startGatewayProcess } from './support.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const BATCH = Math.min(Number(process.argv[3] ?? MAX_DOSES_BATCH), MAX_DOSES_BATCH);
const CONCURRENCY = Number(process.argv[4] ?? 2);
const ROUNDS = 3;
const PRODUCTS = ['COMIRNATY', 'SPIKEVAX', 'VAXZEVRIA', 'COVILO', 'ABDALA', 'SPUTNIK_V', 'JANSSEN'];
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_vacc_ingest_${process.pid}`;
const logger = createLogger('bench', 'warn');
const SOURCE = 'bench-site';

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
  let seed = 7 + parseInt(tag, 16);
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
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
let exitCode = 0;
try {
  const copyTarget = await openSubgraphDatabase(server.url, copyDb, 'vaccination', tables);
  await vaccinationModule.prepare!(copyTarget.db);
  await copyTarget.close();
  const copySql = postgres(databaseUrl(server.url, copyDb), { max: 1, onnotice: () => {} });

  // (a) GraphQL: the hub's launcher, no province shards, no demo data, no workers.
  const hub = await startHub({
    postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: [], seedDemo: false, tracingWorkers: false,
    supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 60_000, provinceTimeoutMs: 5_000,
    maxBodyBytes: 4_000_000, logger,
  });
  try {
    // A national official records like a site (registered operations are a partner's rule, not a cost).
    const token = await signCallerToken(secrets.jwt, { subject: SOURCE, role: 'national_official' });
    const mutation = /* GraphQL */ `mutation ($doses: [DoseInput!]!) { recordVaccinations(doses: $doses) { accepted duplicates rejected { index code } } }`;
    const gatewayProcess = await startGatewayProcess(hub, secrets, { maxBodyBytes: 4_000_000, subgraphTimeoutMs: 60_000, provinceTimeoutMs: 5_000 });
    const post = async (batch: Row[], url: string) => {
      const body = await postGraphQL<{ recordVaccinations: { accepted: number; duplicates: number; rejected: unknown[] } }>(url, token, mutation, { doses: batch });
      if (body.errors || !body.data) throw new Error(`recordVaccinations failed (${body.status}): ${JSON.stringify(body.errors).slice(0, 400)}`);
      return body.data.recordVaccinations;
    };
    const graphqlRows = async (rows: Row[], url: string): Promise<number> => {
      const batches: Row[][] = [];
      for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));
      let accepted = 0;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batches.length) {
            const result = await post(batches[next++]!, url);
            if (result.rejected.length > 0) throw new Error(`rejected rows: ${JSON.stringify(result.rejected.slice(0, 3))}`);
            accepted += result.accepted;
          }
        }),
      );
      if (accepted !== rows.length) throw new Error(`GraphQL stored ${accepted} doses, expected ${rows.length}`);
      return performance.now() - started;
    };

    // Warm-up (plans, connections, the ward cache) with rows that are not part of the measured set.
    await graphqlRows(makeRows(BATCH * CONCURRENCY, 'ff'), gatewayProcess.url);
    await copyRows(copySql, makeRows(BATCH, 'fe'));

    const copyTimes: number[] = [];
    const graphqlTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const rows = makeRows(ROWS, hex12(round).slice(-2));
      copyTimes.push(await copyRows(copySql, rows));
      graphqlTimes.push(await graphqlRows(rows, gatewayProcess.url));
      console.log(`round ${round + 1}: COPY ${rate(ROWS, copyTimes[round]!)} rows/s, GraphQL (gateway process) ${rate(ROWS, graphqlTimes[round]!)} rows/s`);
    }
    const copyMs = Math.min(...copyTimes);
    const graphqlMs = Math.min(...graphqlTimes);
    console.log(`COPY FROM STDIN                 : ${ROWS} doses in ${(copyMs / 1000).toFixed(2)} s = ${rate(ROWS, copyMs)} rows/s (best round)`);
    console.log(`GraphQL recordVaccinations      : ${ROWS} doses in ${(graphqlMs / 1000).toFixed(2)} s = ${rate(ROWS, graphqlMs)} rows/s (best round, statuses and coverage kept current)`);
    console.log(`ratio GraphQL / COPY (as deployed): ${(copyMs / graphqlMs).toFixed(2)}x  (target ≥ 0.5x)`);

    // The first round's batches again: every row a duplicate, nothing stored (the idempotent retry path).
    const again = makeRows(BATCH * 2, '00');
    let duplicates = 0;
    const retryStarted = performance.now();
    for (let i = 0; i < again.length; i += BATCH) duplicates += (await post(again.slice(i, i + BATCH), gatewayProcess.url)).duplicates;
    const retryMs = performance.now() - retryStarted;
    if (duplicates !== again.length) throw new Error(`retry: ${duplicates} duplicates, expected ${again.length}`);
    console.log(`retried batches                 : ${duplicates} duplicates in ${(retryMs / 1000).toFixed(2)} s = ${rate(duplicates, retryMs)} rows/s`);
    await copySql.end();
    await gatewayProcess.stop();
  } finally {
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
}
process.exit(exitCode);
