/**
 * The testing loop for a typical case: a lab's positive PCR (`recordTestResults`, the registered
 * operation by id) → the confirmation job → `confirmCase` → the tracing run → every contact's
 * tracing task delivered to their home province's shard and their test schedule stored. Wall time
 * from the `recordTestResults` answer until the last task (in the shards' databases) and the last
 * schedule (in the testing database) are visible, polled every 5 ms. Target: median under 1 s.
 *
 * Baseline in the same run: a case of the same shape confirmed directly by an official's
 * `confirmCase`, timed from its answer to the same point; the difference is what the testing path
 * adds (the confirmation queue and job, and its `confirmCase` through the graph).
 *
 * Data: background check-ins made by SQL (tests/bench/data.ts; default 1,000,000 over 30 days)
 * so the exposure search runs on a table of some size, and for each measured case a cluster of its
 * own: the case at two venues (30 and 20 hours ago) with 6 to 26 F1 (6, 11, 16, 21, 26 in turn), three of
 * whom met two people each 10 hours ago (6 F2), everyone living in the three demo provinces (01,
 * 24, 79; their shards run). The two paths get clusters of the same shape, in alternating order.
 * Each F1 gets 3 schedule rows (days 1, 3, 7), each F2 one.
 *
 * Gateway in its own process (as deployed) for the lab's and the official's calls; the hub's
 * workers (testing confirmations, tracing runs, deliveries) run in the bench's process with Redis
 * when REDIS_URL is set.
 *
 * npm run bench -- testing-loop, or: npx tsx tests/bench/testing-loop.bench.ts [checkIns=1000000] [cases=7]
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { request } from 'undici';
import { startHub } from '../../hub/launch.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { generateCheckins } from './data.ts';
import { addTestingSites, benchPostgres, benchTestingSiteId, machine, postGraphQL, startGatewayProcess } from './support.ts';

const CHECK_INS = Number(process.argv[2] ?? 1_000_000);
const CASES = Number(process.argv[3] ?? 7);
const PROVINCES = ['01', '24', '79'];
const LAB = 'bench-loop-lab';
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_loop_${process.pid}`;
// eslint-disable-next-line no-process-env -- the hub's queues where it would have them
const redisUrl = process.env.REDIS_URL;
// eslint-disable-next-line no-process-env -- LOG_LEVEL=info shows each tracing run's stages
const logLevel = (process.env.LOG_LEVEL ?? 'warn') as 'warn';

const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted corrected duplicates rejected { index code } } }`;
const documentId = createHash('sha256').update(RECORD, 'utf8').digest('hex');
const CONFIRM = /* GraphQL */ `mutation ($input: ConfirmCaseInput!) { confirmCase(input: $input) { __typename ... on CaseConfirmed { case { id } } } }`;

interface Person { id: string; ward: string; province: string }
interface Cluster {
  f0: Person;
  f1: Person[];
  f2: Person[];
  venues: string[];
  checkIns: Array<{ personId: string; venueId: string; in: Date; out: Date }>;
}

const hoursAgo = (now: number, h: number) => new Date(now - h * 3_600_000);

/** A case's world: the case at two venues with `f1Count` F1 (half at each), three F1 meeting two people each later. */
function cluster(f1Count: number, now: number): Cluster {
  let w = 0;
  const person = (): Person => {
    const ward = DEMO_WARDS[w++ % DEMO_WARDS.length]!;
    return { id: randomUUID(), ward: ward.code, province: ward.provinceCode };
  };
  const f0 = person();
  const f1 = Array.from({ length: f1Count }, person);
  const f2 = Array.from({ length: 6 }, person);
  const venues = Array.from({ length: 5 }, () => randomUUID());
  const visit = (p: Person, venue: number, start: number, end: number) => ({ personId: p.id, venueId: venues[venue]!, in: hoursAgo(now, start), out: hoursAgo(now, end) });
  const checkIns = [
    visit(f0, 0, 30, 29),
    visit(f0, 1, 20, 19),
    ...f1.map((p, i) => visit(p, i % 2, i % 2 ? 20 : 30, i % 2 ? 19.5 : 29.5)),
    ...[0, 1, 2].map((j) => visit(f1[j]!, 2 + j, 10, 9)),
    ...f2.map((p, i) => visit(p, 2 + Math.floor(i / 2), 10, 9)),
  ];
  return { f0, f1, f2, venues, checkIns };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}; queues: ${redisUrl ? 'Redis' : 'PostgreSQL backend'}`);
const documentsDir = mkdtempSync(join(tmpdir(), 'bench-testing-loop-'));
writeFileSync(join(documentsDir, `${LAB}.json`), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: documentId, name: 'RecordTestResults', type: 'mutation', body: RECORD }] }));
let exitCode = 0;
try {
  const hub = await startHub({
    postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: PROVINCES, seedDemo: false,
    supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 30_000, provinceTimeoutMs: 10_000,
    maxBodyBytes: 1_000_000, trustedDocumentsDir: documentsDir, logger: createLogger('bench', logLevel), redisUrl,
  });
  const gatewayProcess = await startGatewayProcess(hub, secrets, { maxBodyBytes: 1_000_000, subgraphTimeoutMs: 30_000, provinceTimeoutMs: 10_000, trustedDocumentsDir: documentsDir });
  try {
    const db = (name: string, province?: string) => hub.subgraphs.find((s) => s.name === name && s.provinceCode === province)!.database.sql;
    const t0 = performance.now();
    const summary = await generateCheckins(db('checkins'), { people: Math.max(1000, Math.round(CHECK_INS / 10)), venues: Math.max(100, Math.round(CHECK_INS / 333)), checkIns: CHECK_INS, days: 30 });
    console.log(`background: ${summary.checkIns.toLocaleString()} check-ins, ${summary.venues.toLocaleString()} venues, ${summary.people.toLocaleString()} people in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await addTestingSites(hub, PROVINCES, 1);

    const now = Date.now();
    // Per case, a pair of clusters of the same shape: [testing path, direct confirmCase].
    // Pair 0 warms up (the first job of each queue, plans, connections) and is not counted.
    const pairs = Array.from({ length: CASES + 1 }, (_, k) => {
      const f1Count = 6 + ((Math.max(0, k - 1) * 5) % 25);
      return [cluster(f1Count, now), cluster(f1Count, now)] as const;
    });
    for (const c of pairs.flat()) {
      for (const p of [c.f0, ...c.f1, ...c.f2]) {
        await db('declarations')`insert into people (id, full_name, birth_year, phone, residence_ward_code, residence_province_code)
          values (${p.id}, 'Người thử', 1990, ${`07${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`}, ${p.ward}, ${p.province})`;
      }
      for (const [i, v] of c.venues.entries()) {
        await db('checkins')`insert into venues (id, name, category, ward_code, province_code, qr_code) values (${v}, ${`Địa điểm ${i}`}, 'SHOP', '26740', '79', ${`LOOP-${v}`})`;
      }
      for (const ci of c.checkIns) {
        await db('checkins')`insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at) values (${randomUUID()}, ${ci.personId}, ${ci.venueId}, ${ci.in.toISOString()}::timestamptz, ${ci.out.toISOString()}::timestamptz)`;
      }
    }

    const labToken = await signCallerToken(secrets.jwt, { subject: LAB, role: 'partner', scopes: ['tests:write'] });
    const officialToken = await signCallerToken(secrets.jwt, { subject: 'bench-official', role: 'national_official' });
    const resultedAt = hoursAgo(now, 1);
    let seq = 0;
    const viaTesting = async (c: Cluster) => {
      const results = [{
        sampleId: `LOOP-${process.pid}-${++seq}`, personId: c.f0.id, kind: 'PCR', result: 'POSITIVE', ctValue: 21.5, sampleType: 'NASOPHARYNGEAL_SWAB',
        collectedAt: hoursAgo(now, 3).toISOString(), resultedAt: resultedAt.toISOString(), testingSite: { province: '79', id: benchTestingSiteId('79', 0) },
      }];
      const response = await request(gatewayProcess.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${labToken}` },
        body: JSON.stringify({ documentId: `sha256:${documentId}`, variables: { results } }),
      });
      const body = (await response.body.json()) as { data?: { recordTestResults: { accepted: number } }; errors?: unknown[] };
      if (body.errors || body.data?.recordTestResults.accepted !== 1) throw new Error(`recordTestResults: ${JSON.stringify(body).slice(0, 400)}`);
    };
    const viaConfirmCase = async (c: Cluster) => {
      const body = await postGraphQL<{ confirmCase: { __typename: string } }>(gatewayProcess.url, officialToken, CONFIRM, {
        input: { id: randomUUID(), personId: c.f0.id, province: '79', confirmedAt: resultedAt.toISOString() },
      });
      if (body.errors || body.data?.confirmCase.__typename !== 'CaseConfirmed') throw new Error(`confirmCase: ${JSON.stringify(body).slice(0, 400)}`);
    };
    /** Milliseconds until every contact's task is in its province's shard and every schedule row is stored. */
    const waitForLoop = async (c: Cluster, started: number): Promise<number> => {
      const contacts = [...c.f1, ...c.f2];
      const ids = contacts.map((p) => p.id);
      const expectedSchedules = c.f1.length * 3 + c.f2.length;
      const byProvince = new Map<string, string[]>();
      for (const p of contacts) byProvince.set(p.province, [...(byProvince.get(p.province) ?? []), p.id]);
      for (;;) {
        const counts = await Promise.all([
          db('testing')`select count(*)::int as n from test_schedules where person_id = any(${ids}::uuid[])`.then((r) => r[0]!.n === expectedSchedules),
          ...[...byProvince].map(([province, people]) => db('province', province)`select count(*)::int as n from tracing_tasks where person_id = any(${people}::uuid[])`.then((r) => r[0]!.n === people.length)),
        ]);
        if (counts.every(Boolean)) return performance.now() - started;
        if (performance.now() - started > 60_000) throw new Error(`the loop did not finish within 60 s for the case of ${c.f0.id}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    /** Where the time went, from the tracing database's own clock: answer → case stored → run started → run finished. */
    const stages = async (personId: string, answeredAt: number) => {
      // The run records its end just after its last delivery, so shortly after the loop was seen complete.
      let row;
      for (let i = 0; i < 1000 && !row?.finished_at; i++) {
        [row] = await db('tracing')`select c.created_at, r.queued_at, r.started_at, r.finished_at, r.f1_count, r.f2_count, r.provinces_notified
          from cases c join tracing_runs r on r.id = c.id where c.person_id = ${personId}`;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (!row?.finished_at) return 'the run has not finished';
      const ms = (d: Date | string) => {
        const x = new Date(d).getTime() - answeredAt;
        return `${x >= 0 ? '+' : ''}${x.toFixed(0)}`;
      };
      return `after the answer: case stored ${ms(row.created_at)} ms, run started ${ms(row.started_at)}, finished ${ms(row.finished_at)} (${row.f1_count} F1, ${row.f2_count} F2, provinces ${row.provinces_notified.join(' ')})`;
    };

    const times = { testing: [] as number[], direct: [] as number[] };
    for (const [k, [forTesting, forDirect]] of pairs.entries()) {
      const order = k % 2 === 0 ? (['testing', 'direct'] as const) : (['direct', 'testing'] as const);
      for (const path of order) {
        const c = path === 'testing' ? forTesting : forDirect;
        await (path === 'testing' ? viaTesting(c) : viaConfirmCase(c));
        const answeredAt = Date.now();
        const started = performance.now();
        const ms = await waitForLoop(c, started);
        if (k > 0) times[path].push(ms);
        console.log(`${k === 0 ? 'warm-up' : `case ${k}`} ${path.padEnd(7)}: ${c.f1.length} F1, ${c.f2.length} F2 → all tasks and schedules visible after ${ms.toFixed(0)} ms; ${await stages(c.f0.id, answeredAt)}`);
      }
    }
    console.log(`\nPositive PCR → case → every task and schedule delivered (${CASES} cases, 6 to 26 F1 and 6 F2 each, over 3 provinces, after a warm-up case on each path):`);
    console.log(`  recordTestResults (testing path): median ${median(times.testing).toFixed(0)} ms  (${times.testing.map((x) => x.toFixed(0)).join(', ')})  (target < 1000 ms)`);
    console.log(`  confirmCase directly (baseline) : median ${median(times.direct).toFixed(0)} ms  (${times.direct.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`  ratio testing/direct (median): ${(median(times.testing) / median(times.direct)).toFixed(2)}x; the testing path adds ${(median(times.testing) - median(times.direct)).toFixed(0)} ms`);
  } finally {
    await gatewayProcess.stop();
    await hub.stop();
  }
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  const sql = postgres(server.url, { max: 1, onnotice: () => {} });
  for (const { datname } of await sql<{ datname: string }[]>`select datname from pg_database where datname like ${prefix + '%'}`) {
    await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await sql.end();
  await server.stop();
  rmSync(documentsDir, { recursive: true, force: true });
}
process.exit(exitCode);
