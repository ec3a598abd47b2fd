/**
 * Test result ingest: the same lab results stored (a) by a lab's `recordTestResults` batches through
 * the gateway (a partner token, the registered operation sent by id, as labs send it) and (b) by
 * `COPY … FROM STDIN` of the same rows into the same table (the testing database's test_results,
 * with its indexes and constraints; PostgreSQL's fastest way in). Target: GraphQL ≥ 0.5 × COPY rows/s.
 *
 * The mix, after the 2021 labs' uploads (individual tests of F1s and of the sick, pooled PCR for
 * screening, rapid antigen tests): 55 % individual PCR (3 % positive with a Ct value, 0.5 %
 * inconclusive, 0.2 % invalid), 30 % rapid antigen (2 % positive, 0.3 % invalid), 15 % pooled PCR
 * samples of 5–10 people (0.5 % of pools not negative). Every row names one of the lab's 60
 * testing sites in 3 provinces (their shards run, the sites in their databases) and people drawn
 * from a registry of up to 500,000 (in declarations), so the subgraph's checks that sites and people
 * exist find them. Rows/s counts stored rows (a pool is one row per member) for both paths; uploaded
 * samples/s are printed too. The measured uploads hold no corrections (rare, and COPY has no
 * update): a retried batch with 1 % of its rows corrected is measured after, on its own.
 *
 * Individual positives are queued for the confirmation jobs (in Redis when REDIS_URL is set) as the
 * hub does; the testing and tracing workers are off, so no case is confirmed during the measure.
 *
 * The gateway runs in a process of its own, as deployed. Three rounds, each COPY then GraphQL, so
 * that machine noise hits both alike; the best round of each is compared.
 *
 * npm run bench -- testing-ingest, or: npx tsx tests/bench/testing-ingest.bench.ts [samples=200000] [batch=5000] [concurrency=2]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { request } from 'undici';
import { startHub } from '../../hub/launch.ts';
import { TestResultRepository } from '../../subgraphs/testing/repositories/test-results.ts';
import { MAX_RESULTS_BATCH, validateTestResult } from '../../subgraphs/testing/validation.ts';
import { databaseName, databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';
import { addTestingSites, benchPostgres, benchTestingSiteId, machine, startGatewayProcess } from './support.ts';

const SAMPLES = Number(process.argv[2] ?? 200_000);
const BATCH = Math.min(Number(process.argv[3] ?? MAX_RESULTS_BATCH), MAX_RESULTS_BATCH);
const CONCURRENCY = Number(process.argv[4] ?? 2);
const ROUNDS = 3;
const PEOPLE = Math.min(500_000, Math.max(20_000, SAMPLES * 2));
const PROVINCES = ['01', '24', '79'];
const SITES_PER_PROVINCE = 20;
const LAB = 'bench-lab';
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_testing_ingest_${process.pid}`;
// eslint-disable-next-line no-process-env -- the bench queues positives where the hub would
const redisUrl = process.env.REDIS_URL;

const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted corrected duplicates rejected { index code } } }`;
const documentId = createHash('sha256').update(RECORD, 'utf8').digest('hex');

const hex12 = (n: number) => n.toString(16).padStart(12, '0');
const personId = (i: number) => `7e570000-0000-4000-8000-${hex12(i)}`;

interface Row {
  sampleId: string;
  personId: string;
  kind: 'PCR' | 'RAPID_ANTIGEN';
  result: 'POSITIVE' | 'NEGATIVE' | 'INCONCLUSIVE' | 'INVALID';
  collectedAt: string;
  resultedAt: string;
  sampleType: 'NASOPHARYNGEAL_SWAB' | 'NASAL_SWAB';
  testingSite: { province: string; id: string };
  ctValue?: number;
  pool?: { members: string[] };
}

/** Deterministic uploads in the mix above; `tag` makes the sample ids. */
function makeRows(n: number, now: number, tag: string): Row[] {
  let seed = 7 + [...tag].reduce((h, c) => h * 31 + c.charCodeAt(0), 0);
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const person = () => personId(Math.floor(random() * PEOPLE));
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const province = PROVINCES[Math.floor(random() * PROVINCES.length)]!;
    const collected = now - 3 * 3_600_000 - Math.floor(random() * 33 * 3_600_000);
    const base = {
      sampleId: `${tag}-${i}`,
      collectedAt: new Date(collected).toISOString(),
      // Resulted 30 minutes to 3 hours after collection: never in the future.
      resultedAt: new Date(collected + (0.5 + random() * 2.4) * 3_600_000).toISOString(),
      testingSite: { province, id: benchTestingSiteId(province, Math.floor(random() * SITES_PER_PROVINCE)) },
    };
    const kind = random();
    const outcome = random();
    if (kind < 0.15) {
      const size = 5 + Math.floor(random() * 6);
      const members = new Set<string>();
      while (members.size < size) members.add(person());
      const list = [...members];
      rows.push({ ...base, personId: list[0]!, kind: 'PCR', sampleType: 'NASOPHARYNGEAL_SWAB', result: outcome < 0.005 ? 'POSITIVE' : 'NEGATIVE', pool: { members: list } });
    } else if (kind < 0.7) {
      const result = outcome < 0.03 ? 'POSITIVE' : outcome < 0.035 ? 'INCONCLUSIVE' : outcome < 0.037 ? 'INVALID' : 'NEGATIVE';
      rows.push({ ...base, personId: person(), kind: 'PCR', sampleType: 'NASOPHARYNGEAL_SWAB', result, ...(result === 'POSITIVE' ? { ctValue: Math.round((15 + random() * 20) * 10) / 10 } : {}) });
    } else {
      rows.push({ ...base, personId: person(), kind: 'RAPID_ANTIGEN', sampleType: 'NASAL_SWAB', result: outcome < 0.02 ? 'POSITIVE' : outcome < 0.023 ? 'INVALID' : 'NEGATIVE' });
    }
  }
  return rows;
}

/** Rows of test_results a set of uploads makes (a pool: one per member). */
const storedRows = (rows: readonly Row[]) => rows.reduce((sum, r) => sum + (r.pool ? r.pool.members.length : 1), 0);
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

/** The people (declarations) and each province's testing sites (its shard) that the rows name. */
async function register(hub: Awaited<ReturnType<typeof startHub>>): Promise<void> {
  const wards = DEMO_WARDS.filter((w) => PROVINCES.includes(w.provinceCode));
  const pick = (values: string[]) => `(array[${values.map((v) => `'${v}'`).join(', ')}])[1 + i % ${wards.length}]`;
  const declarations = hub.subgraphs.find((s) => s.name === 'declarations')!.database.sql;
  await declarations.unsafe(`
    insert into people (id, full_name, birth_year, phone, residence_ward_code, residence_province_code)
    select ('7e570000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Người ' || i, 1950 + i % 60, '08' || lpad(i::text, 8, '0'),
           ${pick(wards.map((w) => w.code))}, ${pick(wards.map((w) => w.provinceCode))}
    from generate_series(0, ${PEOPLE - 1}) i`);
  await declarations.unsafe('analyze people');
  await addTestingSites(hub, PROVINCES, SITES_PER_PROVINCE);
}

/** (b) COPY FROM STDIN of the uploads' rows, as the subgraph stores them (members sorted, retest flags), on one connection; milliseconds. */
async function copyRows(sql: postgres.Sql, rows: Row[], lab: string): Promise<number> {
  const started = performance.now();
  const writable = await sql`copy test_results (lab, sample_id, person_id, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, pool_size, retest_required) from stdin`.writable();
  for (let i = 0; i < rows.length; i += BATCH) {
    let text = '';
    for (const r of rows.slice(i, i + BATCH)) {
      const members = r.pool ? [...r.pool.members].sort() : [r.personId];
      const retest = r.pool && r.result !== 'NEGATIVE' ? 't' : 'f';
      for (const member of members) {
        text += `${lab}\t${r.sampleId}\t${member}\t${r.kind}\t${r.sampleType}\t${r.collectedAt}\t${r.resultedAt}\t${r.testingSite.province}\t${r.testingSite.id}\t${r.result}\t${r.ctValue ?? '\\N'}\t${r.pool ? members.length : '\\N'}\t${retest}\n`;
      }
    }
    if (!writable.write(text)) await new Promise((resolve) => writable.once('drain', resolve));
  }
  await new Promise<void>((resolve, reject) => writable.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return performance.now() - started;
}

const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}; queues: ${redisUrl ? 'Redis' : 'PostgreSQL backend'}`);
console.log(`${SAMPLES} uploaded samples, batches of ${BATCH}, ${CONCURRENCY} batch(es) in flight through the gateway (own process); ${ROUNDS} rounds, COPY and GraphQL alternating`);
const now = Date.now();
const documentsDir = mkdtempSync(join(tmpdir(), 'bench-testing-ingest-'));
writeFileSync(join(documentsDir, `${LAB}.json`), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: documentId, name: 'RecordTestResults', type: 'mutation', body: RECORD }] }));
let exitCode = 0;
try {
  const hub = await startHub({
    postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: PROVINCES, seedDemo: false, tracingWorkers: false,
    supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 60_000, provinceTimeoutMs: 5_000,
    maxBodyBytes: 8_000_000, trustedDocumentsDir: documentsDir, logger: createLogger('bench', 'warn'), redisUrl,
  });
  const t0 = performance.now();
  await register(hub);
  console.log(`registered ${PEOPLE} people and ${PROVINCES.length * SITES_PER_PROVINCE} testing sites in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const testing = hub.subgraphs.find((s) => s.name === 'testing')!;
  const copySql = postgres(databaseUrl(server.url, databaseName(prefix, 'testing')), { max: 1, onnotice: () => {} });
  const gatewayProcess = await startGatewayProcess(hub, secrets, { maxBodyBytes: 8_000_000, subgraphTimeoutMs: 60_000, provinceTimeoutMs: 5_000, trustedDocumentsDir: documentsDir });
  try {
    const token = await signCallerToken(secrets.jwt, { subject: LAB, role: 'partner', scopes: ['tests:write'] });
    const post = async (batch: Row[]) => {
      const response = await request(gatewayProcess.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ documentId: `sha256:${documentId}`, variables: { results: batch } }),
      });
      const body = (await response.body.json()) as { data?: { recordTestResults: { accepted: number; corrected: number; duplicates: number; rejected: unknown[] } }; errors?: unknown[] };
      if (body.errors || !body.data) throw new Error(`recordTestResults failed (${response.statusCode}): ${JSON.stringify(body.errors).slice(0, 400)}`);
      return body.data.recordTestResults;
    };
    /** (a) every upload through the gateway, CONCURRENCY batches in flight; milliseconds. */
    const graphqlRows = async (rows: Row[]): Promise<number> => {
      const batches: Row[][] = [];
      for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));
      let accepted = 0;
      let next = 0;
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
      if (accepted !== rows.length) throw new Error(`GraphQL stored ${accepted} samples, expected ${rows.length}`);
      return performance.now() - started;
    };

    // Warm-up (plans, connections, the gateway's manifest) with rows that are not measured.
    await graphqlRows(makeRows(BATCH * CONCURRENCY, now, 'warm'));
    await copyRows(copySql, makeRows(BATCH, now, 'warm'), 'bench-copy');

    const copyTimes: number[] = [];
    const graphTimes: number[] = [];
    let stored = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const rows = makeRows(SAMPLES, now, `r${round}`);
      stored = storedRows(rows);
      // The same rows under another lab's name (the key is lab + sample id), into the same table.
      copyTimes.push(await copyRows(copySql, rows, 'bench-copy'));
      graphTimes.push(await graphqlRows(rows));
      console.log(`round ${round + 1}: COPY ${rate(stored, copyTimes[round]!)} rows/s, GraphQL ${rate(stored, graphTimes[round]!)} rows/s (${rate(SAMPLES, graphTimes[round]!)} samples/s)`);
    }
    const copyMs = Math.min(...copyTimes);
    const graphMs = Math.min(...graphTimes);
    const [{ count }] = await copySql<[{ count: string }]>`select count(*) from test_results where lab = ${LAB}`;
    console.log(`rows per round: ${stored} test_results rows from ${SAMPLES} samples (${(stored / SAMPLES).toFixed(2)} per sample); ${count} rows of ${LAB} stored in all`);
    console.log(`COPY FROM STDIN          : ${stored} rows in ${(copyMs / 1000).toFixed(2)} s = ${rate(stored, copyMs)} rows/s (best round)`);
    console.log(`GraphQL recordTestResults: ${stored} rows in ${(graphMs / 1000).toFixed(2)} s = ${rate(stored, graphMs)} rows/s, ${rate(SAMPLES, graphMs)} samples/s (best round)`);
    console.log(`ratio GraphQL / COPY (as deployed): ${(copyMs / graphMs).toFixed(2)}x  (target ≥ 0.5x)`);

    // A lab's retry of round 1's first batch (the generator is sequential: the same rows) with 1 % of its rows corrected.
    const retry = makeRows(BATCH, now, 'r0').map((r, i) => (i % 100 === 0 && !r.pool ? { ...r, result: r.result === 'NEGATIVE' ? ('INCONCLUSIVE' as const) : ('NEGATIVE' as const), ctValue: undefined } : r));
    const retryStarted = performance.now();
    const again = await post(retry);
    const retryMs = performance.now() - retryStarted;
    console.log(`retried batch            : ${retry.length} samples (${again.duplicates} duplicates, ${again.corrected} corrected) in ${retryMs.toFixed(0)} ms = ${rate(retry.length, retryMs)} samples/s`);

    // Where the time goes: the repository alone (no HTTP, no GraphQL, no queueing), one batch at a time.
    const repo = new TestResultRepository(testing.database.db as never);
    const fresh = makeRows(BATCH * 4, now, 'repo');
    const repoStarted = performance.now();
    for (let i = 0; i < fresh.length; i += BATCH) {
      const at = new Date();
      const samples = fresh.slice(i, i + BATCH).map((r) => {
        const checked = validateTestResult({ ...r, collectedAt: new Date(r.collectedAt), resultedAt: new Date(r.resultedAt) }, { subject: 'bench-repo', isPartner: true }, at);
        if (!checked.ok) throw new Error(checked.rejection.message);
        return checked.sample;
      });
      await repo.record(samples);
    }
    const repoMs = performance.now() - repoStarted;
    const repoRows = storedRows(fresh);
    console.log(`repository.record        : ${repoRows} rows in ${(repoMs / 1000).toFixed(2)} s = ${rate(repoRows, repoMs)} rows/s (one batch at a time, no HTTP)`);
  } finally {
    await copySql.end();
    await gatewayProcess.stop();
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
