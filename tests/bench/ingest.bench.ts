/**
 * Ingest: the same N check-ins stored (a) by partners' `recordCheckIns` batches through the gateway
 * and the checkins subgraph, and (b) by `COPY … FROM STDIN` into a database of the same shape (the
 * floor: PostgreSQL's fastest way in). Both tables are the partitioned check_ins with their
 * indexes, constraints and foreign key, and the days the rows fall on have their partitions.
 * Target: GraphQL ≥ 0.5 × COPY rows/s.
 *
 * GraphQL goes through the gateway twice per round: the gateway in a process of its own, as it is
 * deployed (the target is measured there), and the hub's in-process gateway (as `npm start` runs
 * it, sharing one event loop with the subgraphs), for comparison.
 *
 * Three rounds, each COPY then both GraphQL paths, so that machine noise hits all alike; the best of each is compared.
 *
 * npm run bench -- ingest, or: npx tsx tests/bench/ingest.bench.ts [rows=200000] [batch=5000] [concurrency=2]
 */
import postgres from 'postgres';
import { startHub } from '../../hub/launch.ts';
import { CheckinPartitions } from '../../subgraphs/checkins/partitions.ts';
import { CheckInBatchRepository } from '../../subgraphs/checkins/repositories/index.ts';
import { checkBatch, MAX_BATCH_SIZE } from '../../subgraphs/checkins/validation.ts';
import { DEFAULT_EXPOSURE_RULE } from '../../subgraphs/checkins/rule.ts';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import { databaseName, databaseUrl, openSubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { benchPostgres, machine, postGraphQL, startGatewayProcess } from './support.ts';

const ROWS = Number(process.argv[2] ?? 200_000);
const BATCH = Math.min(Number(process.argv[3] ?? MAX_BATCH_SIZE), MAX_BATCH_SIZE);
const CONCURRENCY = Number(process.argv[4] ?? 2);
const VENUES = 20;
const PEOPLE = 50_000;
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_ingest_${process.pid}`;
const logger = createLogger('bench', 'warn');

const hex12 = (n: number) => n.toString(16).padStart(12, '0');
const venueId = (v: number) => `5e7a0000-0000-4000-8000-${hex12(v)}`;
const qrCode = (v: number) => `BENCH-INGEST-${v}`;

interface Row {
  id: string;
  qrCode: string;
  personId: string;
  checkedInAt: string;
  checkedOutAt: string | null;
}

/** Deterministic rows over the last 36 hours: 10 % still open, stays of 15–180 minutes. `tag` (two hex digits) makes the ids. */
function makeRows(n: number, now: number, tag: string): Row[] {
  const rows: Row[] = [];
  let seed = 42 + parseInt(tag, 16);
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  for (let i = 0; i < n; i++) {
    const at = now - 3 * 3_600_000 - Math.floor(random() * 33 * 3_600_000);
    const open = random() < 0.1;
    rows.push({
      id: `c0ffee${tag}-0000-4000-8000-${hex12(i)}`,
      qrCode: qrCode(Math.floor(random() * VENUES)),
      personId: `9e000000-0000-4000-8000-${hex12(Math.floor(random() * PEOPLE))}`,
      checkedInAt: new Date(at).toISOString(),
      checkedOutAt: open ? null : new Date(at + (15 + Math.floor(random() * 165)) * 60_000).toISOString(),
    });
  }
  return rows;
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

const ROUNDS = 3;
const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}`);
console.log(`${ROWS} rows, batches of ${BATCH}, ${CONCURRENCY} batch(es) in flight through the gateway; ${ROUNDS} rounds, COPY and GraphQL alternating`);
const now = Date.now();

/** Venues and the partitions of the last three days and the week ahead, as a running hub has them. */
async function prepare(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (let v = 0; v < VENUES; v++) {
      await sql`insert into venues (id, name, category, ward_code, province_code, qr_code)
        values (${venueId(v)}, ${`Bench venue ${v}`}, 'MARKET', '26734', '79', ${qrCode(v)}) on conflict do nothing`;
    }
  } finally {
    await sql.end();
  }
}

const venueOf = new Map(Array.from({ length: VENUES }, (_, v) => [qrCode(v), venueId(v)]));

/** (b) COPY FROM STDIN on one connection; milliseconds. */
async function copyRows(sql: postgres.Sql, rows: Row[]): Promise<number> {
  const started = performance.now();
  const writable = await sql`copy check_ins (id, person_id, venue_id, checked_in_at, checked_out_at) from stdin`.writable();
  for (let i = 0; i < rows.length; i += BATCH) {
    // The QR code → venue lookup is part of the work the GraphQL path does too.
    const text = rows
      .slice(i, i + BATCH)
      .map((r) => `${r.id}\t${r.personId}\t${venueOf.get(r.qrCode)}\t${r.checkedInAt}\t${r.checkedOutAt ?? '\\N'}\n`)
      .join('');
    if (!writable.write(text)) await new Promise((resolve) => writable.once('drain', resolve));
  }
  await new Promise<void>((resolve, reject) => writable.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return performance.now() - started;
}

const copyDb = `${prefix}_copy`;
let exitCode = 0;
try {
  const copyTarget = await openSubgraphDatabase(server.url, copyDb, 'checkins', tables);
  await new CheckinPartitions(copyTarget.db).ensurePartitions(new Date(now - 3 * 86_400_000), 10);
  await copyTarget.close();
  await prepare(databaseUrl(server.url, copyDb));
  const copySql = postgres(databaseUrl(server.url, copyDb), { max: 1, onnotice: () => {} });

  // (a) GraphQL: the hub's launcher, no province shards, no demo data, no tracing workers.
  const hub = await startHub({
    postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: [], seedDemo: false, tracingWorkers: false,
    supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 60_000, provinceTimeoutMs: 5_000,
    maxBodyBytes: 4_000_000, logger,
  });
  try {
    const checkinsDb = hub.subgraphs.find((s) => s.name === 'checkins')!.database.db as never;
    await new CheckinPartitions(checkinsDb).ensurePartitions(new Date(now - 3 * 86_400_000), 10);
    await prepare(databaseUrl(server.url, databaseName(prefix, 'checkins')));
    const token = await signCallerToken(secrets.jwt, { subject: 'bench-partner', role: 'national_official' });
    const mutation = /* GraphQL */ `mutation ($batch: [CheckInRecordInput!]!) { recordCheckIns(batch: $batch) { accepted duplicates rejected { index code } } }`;
    const gatewayProcess = await startGatewayProcess(hub, secrets, { maxBodyBytes: 4_000_000, subgraphTimeoutMs: 60_000, provinceTimeoutMs: 5_000 });
    const paths = [
      { name: 'gateway process (as deployed)', url: gatewayProcess.url, times: [] as number[] },
      { name: 'in-process gateway (npm start)', url: hub.gatewayUrl, times: [] as number[] },
    ];
    const post = async (batch: Row[], url: string) => {
      const body = await postGraphQL<{ recordCheckIns: { accepted: number; duplicates: number; rejected: unknown[] } }>(url, token, mutation, { batch });
      if (body.errors || !body.data) throw new Error(`recordCheckIns failed (${body.status}): ${JSON.stringify(body.errors).slice(0, 400)}`);
      return body.data.recordCheckIns;
    };
    /** (a) all rows through the gateway, CONCURRENCY batches in flight; milliseconds. */
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
      if (accepted !== rows.length) throw new Error(`GraphQL stored ${accepted} rows, expected ${rows.length}`);
      return performance.now() - started;
    };

    // Warm-up (plans, connections) with rows that are not part of the measured set.
    for (const [i, path] of paths.entries()) await graphqlRows(makeRows(BATCH * CONCURRENCY, now, `f${i}`), path.url);
    await copyRows(copySql, makeRows(BATCH, now, 'ff'));

    const copyTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Each path stores rows of its own (fresh ids); COPY, into its own database, the first path's.
      const rows = paths.map((_, i) => makeRows(ROWS, now, hex12(round * paths.length + i).slice(-2)));
      copyTimes.push(await copyRows(copySql, rows[0]!));
      for (const [i, path] of paths.entries()) path.times.push(await graphqlRows(rows[i]!, path.url));
      console.log(`round ${round + 1}: COPY ${rate(ROWS, copyTimes[round]!)} rows/s, ${paths.map((p) => `${p.name} ${rate(ROWS, p.times[round]!)} rows/s`).join(', ')}`);
    }
    const copyMs = Math.min(...copyTimes);
    console.log(`COPY FROM STDIN       : ${ROWS} rows in ${(copyMs / 1000).toFixed(2)} s = ${rate(ROWS, copyMs)} rows/s (best round)`);
    for (const path of paths) {
      const ms = Math.min(...path.times);
      console.log(`GraphQL recordCheckIns, ${path.name}: ${ROWS} rows in ${(ms / 1000).toFixed(2)} s = ${rate(ROWS, ms)} rows/s (best round); ratio to COPY ${(copyMs / ms).toFixed(2)}x`);
    }
    console.log(`ratio GraphQL / COPY (as deployed): ${(copyMs / Math.min(...paths[0]!.times)).toFixed(2)}x  (target ≥ 0.5x)`);
    await copySql.end();
    await gatewayProcess.stop();

    // The first round's batches again: every row a duplicate, nothing stored (the idempotent retry path).
    const again = makeRows(BATCH * 4, now, '00');
    let duplicates = 0;
    const retryStarted = performance.now();
    for (let i = 0; i < again.length; i += BATCH) duplicates += (await post(again.slice(i, i + BATCH), hub.gatewayUrl)).duplicates;
    const retryMs = performance.now() - retryStarted;
    if (duplicates !== again.length) throw new Error(`retry: ${duplicates} duplicates, expected ${again.length}`);
    console.log(`retried batches       : ${duplicates} duplicates in ${(retryMs / 1000).toFixed(2)} s = ${rate(duplicates, retryMs)} rows/s`);

    // Where the time goes: the repository alone (no HTTP, no GraphQL), one batch at a time.
    const repo = new CheckInBatchRepository(checkinsDb, DEFAULT_EXPOSURE_RULE);
    const fresh = makeRows(BATCH * 4, now, 'fe').map((r) => ({ ...r, checkedInAt: new Date(r.checkedInAt), checkedOutAt: r.checkedOutAt ? new Date(r.checkedOutAt) : null }));
    const repoStarted = performance.now();
    for (let i = 0; i < fresh.length; i += BATCH) {
      const at = new Date();
      await repo.record(checkBatch(fresh.slice(i, i + BATCH), at), at);
    }
    const repoMs = performance.now() - repoStarted;
    console.log(`repository.record     : ${fresh.length} rows in ${(repoMs / 1000).toFixed(2)} s = ${rate(fresh.length, repoMs)} rows/s (one batch at a time, no HTTP)`);
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
