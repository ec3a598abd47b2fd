/**
 * Contact tracing at national scale: 10M check-ins over 30 days, 30k venues with skewed
 * popularity, 1M people (made by SQL inside PostgreSQL), measured in one run against baselines:
 * - F1 through the graph for a typical case vs the same exposure statement run directly (p50; target ≤ 3×);
 * - F1+F2 for a case at the busiest venue through the graph (two calls, as the worker does) vs one
 *   two-hop SQL statement giving the same F1 and F2 rows (target ≤ 1.2× and under 1 s), through the
 *   hub's in-process gateway and through a gateway in its own process (as deployed), each with the
 *   exposures as objects (an explorer's shape) and as columns (`exposureColumnsOf`,
 *   `firstContactColumnsOf`: the tracing worker's shape), and as columns straight to the checkins
 *   subgraph (what the gateway adds);
 * - a whole run, confirmCase → every task delivered to its province (target under 1 s, typical case);
 * Usage: npm run bench -- tracing [checkIns]   (default 10,000,000)
 */
import postgres from 'postgres';
import { startHub } from '../../hub/launch.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { INTERNAL_TOKEN_HEADER, signCallerToken, signInternalToken, verifyCallerToken } from '../../subgraphs/shared/identity.ts';
import { request } from 'undici';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { ExposureRepository } from '../../subgraphs/checkins/repositories/index.ts';
import { checkExposureQuery } from '../../subgraphs/checkins/validation.ts';
import { DEFAULT_EXPOSURE_RULE } from '../../subgraphs/checkins/rule.ts';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { drizzle } from 'drizzle-orm/postgres-js';
import { generateCheckins, peopleAtBusiestVenues, typicalPersonIds } from './data.ts';
import { benchPostgres, fmt, machine, measure, postGraphQL, startGatewayProcess } from './support.ts';

const CHECK_INS = Number(process.argv[2] ?? 10_000_000);
const PEOPLE = Math.max(1000, Math.round(CHECK_INS / 10));
const VENUES = Math.max(100, Math.round(CHECK_INS / 333));
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_tracing_${process.pid}`;
const MIN = DEFAULT_EXPOSURE_RULE.minOverlapMinutes;

const server = await benchPostgres();
let stopGatewayProcess = async () => {};
// eslint-disable-next-line no-process-env -- the bench uses Redis when the hub would
const redisUrl = process.env.REDIS_URL;
// eslint-disable-next-line no-process-env -- LOG_LEVEL=info shows each tracing run's stages
const logLevel = (process.env.LOG_LEVEL ?? 'warn') as 'warn';
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}; queues: ${redisUrl ? 'Redis' : 'PostgreSQL backend'}`);
const hub = await startHub({
  postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: ['01', '24', '79'], seedDemo: false,
  supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 30_000, provinceTimeoutMs: 10_000,
  maxBodyBytes: 1_000_000, logger: createLogger('bench', logLevel), redisUrl,
});
try {
  const db = (name: string) => hub.subgraphs.find((s) => s.name === name && !s.provinceCode)!.database.sql;
  const checkinsSql = db('checkins');
  const t0 = performance.now();
  const summary = await generateCheckins(checkinsSql, { people: PEOPLE, venues: VENUES, checkIns: CHECK_INS, days: 30 });
  console.log(`data: ${summary.checkIns.toLocaleString()} check-ins, ${summary.venues.toLocaleString()} venues, ${summary.people.toLocaleString()} people in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Everyone lives in one of the three demo provinces' wards (tasks go to the shards running here).
  const wards = DEMO_WARDS.map((w) => `('${w.code}','${w.provinceCode}')`).join(',');
  const t1 = performance.now();
  await db('declarations').unsafe(`
    insert into people (id, full_name, birth_year, phone, residence_ward_code, residence_province_code)
    select ('bbbb0000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Người ' || i, 1950 + i % 60,
           '09' || lpad((i % 100000000)::text, 8, '0'), w.code, w.province
    from generate_series(0, ${PEOPLE - 1}) i
    cross join lateral (select code, province from (values ${wards}) v(code, province) offset (i % ${DEMO_WARDS.length}) limit 1) w`);
  await db('declarations').unsafe('analyze people');
  console.log(`people: ${PEOPLE.toLocaleString()} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  const token = await signCallerToken(secrets.jwt, { subject: 'bench', role: 'national_official' });
  const gatewayProcess = await startGatewayProcess(hub, secrets, { maxBodyBytes: 1_000_000, subgraphTimeoutMs: 30_000, provinceTimeoutMs: 10_000 });
  stopGatewayProcess = () => gatewayProcess.stop();
  const gql = async (query: string, variables: Record<string, unknown>, url = hub.gatewayUrl) => {
    const body = await postGraphQL<any>(url, token, query, variables);
    if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 400));
    return body.data;
  };
  // Straight to the checkins subgraph, with the internal token the gateway would send: what the gateway adds.
  const checkinsUrl = hub.subgraphs.find((s) => s.name === 'checkins')!.url;
  const internalToken = await signInternalToken(secrets.internalToken, await verifyCallerToken(secrets.jwt, token), 3_600);
  const checkinsGql = async (query: string, variables: Record<string, unknown>) => {
    const response = await request(checkinsUrl, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: internalToken }, body: JSON.stringify({ query, variables }) });
    const body = (await response.body.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 400));
    return body.data;
  };
  const EXPOSURES = `query($ids: [ID!]!, $from: DateTime, $to: DateTime, $min: Int, $exclude: [ID!]) { exposuresOf(personIds: $ids, from: $from, to: $to, minOverlapMinutes: $min, excludeContacts: $exclude) { person { id } contact { id } venue { id } overlapStart overlapEnd overlapMinutes } }`;
  const FIRST_CONTACTS = `query($people: [ExposureSubjectInput!]!, $to: DateTime, $min: Int, $exclude: [ID!]) { firstContactsOf(people: $people, to: $to, minOverlapMinutes: $min, excludeContacts: $exclude) { person { id } contact { id } venue { id } overlapStart overlapEnd overlapMinutes } }`;
  // The tracing worker's shape (subgraphs/tracing/jobs/tracing-run.worker.ts): the same look-ups as columns.
  const COLUMNS = 'personIds contactIds venueIds overlapStarts overlapEnds overlapMinutes';
  const EXPOSURE_COLUMNS = `query($ids: [ID!]!, $from: DateTime, $to: DateTime, $min: Int, $exclude: [ID!]) { exposureColumnsOf(personIds: $ids, from: $from, to: $to, minOverlapMinutes: $min, excludeContacts: $exclude) { ${COLUMNS} } }`;
  const FIRST_CONTACT_COLUMNS = `query($people: [ExposureSubjectInput!]!, $to: DateTime, $min: Int, $exclude: [ID!]) { firstContactColumnsOf(people: $people, to: $to, minOverlapMinutes: $min, excludeContacts: $exclude) { ${COLUMNS} } }`;
  const repo = new ExposureRepository(drizzle(checkinsSql) as never, DEFAULT_EXPOSURE_RULE);
  // Times from the data's own end, not the clock: the generated check-ins are the same in every run
  // (seeded), so the busiest case and its F1 and F2 are too, and runs compare.
  const now = summary.to;
  const from = new Date(now.getTime() - 3 * 86_400_000);

  // 1. F1 for typical cases: graph vs the same statement straight on PostgreSQL.
  const typical = typicalPersonIds(50, PEOPLE);
  let i = 0;
  const f1Sizes: number[] = [];
  const viaSql = await measure(async () => {
    const rows = await repo.forPeople([typical[i++ % typical.length]!], checkExposureQuery({ from, to: now, minOverlapMinutes: MIN }, repo.rule));
    f1Sizes.push(rows.length);
  }, 300);
  i = 0;
  const viaGraph = await measure(() => gql(EXPOSURES, { ids: [typical[i++ % typical.length]], from: from.toISOString(), to: now.toISOString(), min: MIN }), 300);
  f1Sizes.sort((a, b) => a - b);
  console.log(`\nF1, typical case (median ${f1Sizes[f1Sizes.length >> 1]} F1 exposures over 3 days):`);
  console.log(`  raw SQL : ${fmt(viaSql)}`);
  console.log(`  graph   : ${fmt(viaGraph)}`);
  console.log(`  ratio graph/SQL (p50): ${(viaGraph.p50 / viaSql.p50).toFixed(2)}x  (target ≤ 3x)`);

  // 2. F1+F2 for a case at the busiest venue.
  const [busy] = await peopleAtBusiestVenues(checkinsSql, 1, { before: new Date(now.getTime() - 86_400_000) });
  // The same answer the worker builds, as one statement: F1 with their earliest exposure, then F2
  // (each F1 counted from their own exposure; never the case or an F1) with their earliest exposure.
  const max = `interval '${DEFAULT_EXPOSURE_RULE.maxStayMinutes} minutes'`;
  const out = (t: string) => `least(coalesce(${t}.checked_out_at, ${t}.checked_in_at + ${max}), ${t}.checked_in_at + ${max})`;
  const twoHopSql = `
    with f1 as (
      select distinct on (contact_person_id) contact_person_id as person_id, person_id as via, venue_id, overlap_start, overlap_end
      from (${exposureSql('$1::uuid[]', '$2::timestamptz', '$3::timestamptz')}) e
      order by contact_person_id, overlap_start
    ), f2 as (
      -- The F1s' check-ins by index (person_id = any), each F1 from
      -- their own exposure, constant bounds for partition pruning, the case and F1s left out.
      select distinct on (o.person_id) o.person_id, m.person_id as via, m.venue_id,
             greatest(m.checked_in_at, o.checked_in_at, f1.overlap_start) as overlap_start,
             least(${out('m')}, ${out('o')}, $3::timestamptz) as overlap_end
      from check_ins m
      join f1 on f1.person_id = m.person_id
      join check_ins o on o.venue_id = m.venue_id and o.checked_in_at > m.checked_in_at - ${max} and o.checked_in_at < ${out('m')}
        and o.checked_in_at > $2::timestamptz - ${max} and o.checked_in_at < $3::timestamptz
      where m.person_id = any(array(select person_id from f1))
        and m.checked_in_at > f1.overlap_start - ${max} and m.checked_in_at < $3::timestamptz and m.checked_in_at > $2::timestamptz - ${max}
        and m.checked_in_at < ${out('o')} and o.person_id <> $4::uuid and not exists (select 1 from f1 x where x.person_id = o.person_id)
        and least(${out('m')}, ${out('o')}, $3::timestamptz) - greatest(m.checked_in_at, o.checked_in_at, f1.overlap_start) >= interval '${MIN} minutes'
      order by o.person_id, 4, m.person_id
    )
    select 'F1' as degree, * from f1 union all select 'F2', * from f2`;
  const f0 = busy!;
  const sqlRuns: number[] = [];
  const sqlNoJitRuns: number[] = [];
  const graphRuns: number[] = [];
  const graphProcessRuns: number[] = [];
  const columnRuns: number[] = [];
  const columnProcessRuns: number[] = [];
  const columnDirectRuns: number[] = [];
  const repoRuns: number[] = [];
  // As the worker does: F1 exposures, then each F1's first contacts from their own exposure on;
  // as objects (an explorer's shape) or as columns (the worker's).
  type Send = (query: string, variables: Record<string, unknown>) => Promise<any>;
  const through = (url: string): Send => (query, variables) => gql(query, variables, url);
  const twoCalls = async (send: Send, shape: 'objects' | 'columns') => {
    const variables = { ids: [f0], from: from.toISOString(), to: now.toISOString(), min: MIN };
    let f1: Array<readonly [string, string]>;
    if (shape === 'objects') {
      f1 = ((await send(EXPOSURES, variables)).exposuresOf as Array<{ contact: { id: string }; overlapStart: string }>).map((e) => [e.contact.id, e.overlapStart] as const);
    } else {
      const columns = (await send(EXPOSURE_COLUMNS, variables)).exposureColumnsOf as { contactIds: string[]; overlapStarts: string[] };
      f1 = columns.contactIds.map((id, i) => [id, columns.overlapStarts[i]!] as const);
    }
    const exposedAt = earliestByContact(f1);
    const people = [...exposedAt].map(([personId, at]) => ({ personId, from: at }));
    if (people.length === 0) return { f1: exposedAt.size, f2: 0 };
    const f2Variables = { people, to: now.toISOString(), min: MIN, exclude: [f0, ...exposedAt.keys()] };
    const f2 =
      shape === 'objects'
        ? ((await send(FIRST_CONTACTS, f2Variables)).firstContactsOf as unknown[]).length
        : ((await send(FIRST_CONTACT_COLUMNS, f2Variables)).firstContactColumnsOf as { personIds: string[] }).personIds.length;
    return { f1: exposedAt.size, f2 };
  };
  let counts = { f1: 0, f2: 0, graphF1: 0, graphF2: 0 };
  for (let round = 0; round < 5; round++) {
    const params = [[f0], from.toISOString(), now.toISOString(), f0] as never[];
    // With the server's default (JIT on, which the statement's cost estimate triggers), then
    // without JIT, as the subgraph's connections run (shared/db.ts): the faster is the baseline.
    const twoHop = (jit: 'on' | 'off') =>
      checkinsSql.begin(async (tx) => {
        await tx.unsafe(`set local jit = ${jit}`);
        return tx.unsafe<Array<{ degree: string }>>(twoHopSql, params);
      });
    const rows = await timed(sqlRuns, () => twoHop('on'));
    await timed(sqlNoJitRuns, () => twoHop('off'));
    const viaGraph = await timed(graphRuns, () => twoCalls(through(hub.gatewayUrl), 'objects'));
    await timed(graphProcessRuns, () => twoCalls(through(gatewayProcess.url), 'objects'));
    const viaColumns = await timed(columnRuns, () => twoCalls(through(hub.gatewayUrl), 'columns'));
    await timed(columnProcessRuns, () => twoCalls(through(gatewayProcess.url), 'columns'));
    await timed(columnDirectRuns, () => twoCalls(checkinsGql, 'columns'));
    if (viaColumns.f1 !== viaGraph.f1 || viaColumns.f2 !== viaGraph.f2) console.log(`  WARNING: columns and objects disagree: ${JSON.stringify({ viaColumns, viaGraph })}`);
    // The same two look-ups on the subgraph's repository (no HTTP, no GraphQL): what the graph adds.
    await timed(repoRuns, async () => {
      const f1Rows = await repo.forPeople([f0], checkExposureQuery({ from, to: now, minOverlapMinutes: MIN }, repo.rule));
      const firstExposure = earliestByContact(f1Rows.map((e) => [e.contactPersonId, e.overlapStart] as const));
      await repo.firstContactsOf([...firstExposure].map(([personId, at]) => ({ personId, from: at })), { ...checkExposureQuery({ to: now, minOverlapMinutes: MIN }, repo.rule), excludeContacts: [f0, ...firstExposure.keys()] });
    });
    counts = { f1: rows.filter((r) => r.degree === 'F1').length, f2: rows.filter((r) => r.degree === 'F2').length, graphF1: viaGraph.f1, graphF2: viaGraph.f2 };
  }
  if (counts.f1 !== counts.graphF1 || counts.f2 !== counts.graphF2) console.log(`  WARNING: the graph and SQL disagree: ${JSON.stringify(counts)}`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`\nF1+F2, case at the busiest venue (${counts.f1} F1 and ${counts.f2} F2 rows by SQL; graph: ${counts.graphF1} F1, ${counts.graphF2} F2):`);
  const runs = (label: string, xs: number[]) => console.log(`  ${label}: median ${median(xs).toFixed(1)} ms  (${xs.map((x) => x.toFixed(0)).join(', ')})`);
  runs("one two-hop SQL statement (JIT on, PostgreSQL's default)", sqlRuns);
  runs('the same, JIT off         ', sqlNoJitRuns);
  runs("graph, two batched calls, hub's in-process gateway (npm start)", graphRuns);
  runs('graph, two batched calls, gateway in its own process (as deployed)', graphProcessRuns);
  runs("graph as columns (the tracing worker's shape), in-process gateway", columnRuns);
  runs('graph as columns, gateway in its own process (as deployed)', columnProcessRuns);
  runs('as columns, straight to the checkins subgraph (no gateway)', columnDirectRuns);
  console.log(`  the same two look-ups on the repository (no HTTP/GraphQL): median ${median(repoRuns).toFixed(1)} ms`);
  const baseline = Math.min(median(sqlRuns), median(sqlNoJitRuns));
  console.log(`  ratio graph/SQL (the faster SQL): in-process ${(median(graphRuns) / baseline).toFixed(2)}x, as deployed ${(median(graphProcessRuns) / baseline).toFixed(2)}x; as columns ${(median(columnRuns) / baseline).toFixed(2)}x and ${(median(columnProcessRuns) / baseline).toFixed(2)}x  (target ≤ 1.2x and < 1000 ms)`);

  // 3. Whole runs: confirmCase → every task delivered.
  const runTimes: number[] = [];
  const runParts: string[] = [];
  let lastRun: any;
  for (const person of typicalPersonIds(7, PEOPLE).slice(1)) {
    const t = performance.now();
    const confirmed = await gql(`mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { ... on CaseConfirmed { case { id } } } }`, {
      input: { personId: person, province: '79', confirmedAt: now.toISOString(), onsetAt: new Date(now.getTime() - 86_400_000).toISOString() },
    });
    const caseId = confirmed.confirmCase.case.id;
    for (;;) {
      lastRun = (await gql(`query($id: ID!) { case(id: $id) { run { status f1Count f2Count provincesNotified provincesPending queuedAt startedAt finishedAt } } }`, { id: caseId })).case.run;
      if (lastRun.status === 'SUCCEEDED' && lastRun.provincesPending.length === 0) break;
      if (lastRun.status === 'FAILED') throw new Error('run failed');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    runTimes.push(performance.now() - t);
    const ms = (a: string, b: string) => new Date(b).getTime() - new Date(a).getTime();
    runParts.push(`${lastRun.f1Count}/${lastRun.f2Count}: wait ${ms(lastRun.queuedAt, lastRun.startedAt)} + work ${ms(lastRun.startedAt, lastRun.finishedAt)} ms`);
  }
  console.log(`\nWhole run, confirmCase → all tasks delivered (typical cases; last: ${lastRun.f1Count} F1, ${lastRun.f2Count} F2, provinces ${lastRun.provincesNotified.join(' ')}):`);
  console.log(`  median ${median(runTimes).toFixed(0)} ms  (${runTimes.map((x) => x.toFixed(0)).join(', ')})  (target < 1000 ms)`);
  console.log(`  per run (F1/F2: queue wait + worker time, as TracingRun records them): ${runParts.join('; ')}`);
} finally {
  await stopGatewayProcess();
  await hub.stop();
  const sql = postgres(server.url, { max: 1, onnotice: () => {} });
  for (const { datname } of await sql<{ datname: string }[]>`select datname from pg_database where datname like ${prefix + '%'}`) {
    await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await sql.end();
  await server.stop();
}

/** Each F1's earliest exposure (what the worker counts their own contacts from). */
/** Runs `work`, adds its wall time in ms to `runs`, and returns its result. */
async function timed<T>(runs: number[], work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  runs.push(performance.now() - started);
  return result;
}

function earliestByContact<T extends string | Date>(exposures: ReadonlyArray<readonly [string, T]>): Map<string, T> {
  const earliest = new Map<string, T>();
  for (const [contact, at] of exposures) if (!(earliest.get(contact)! <= at)) earliest.set(contact, at);
  return earliest;
}

/** The exposure statement (as in ExposureRepository.forPeople) for the two-hop baseline. */
function exposureSql(ids: string, from: string, to: string): string {
  const max = `interval '${DEFAULT_EXPOSURE_RULE.maxStayMinutes} minutes'`;
  const out = (t: string) => `least(coalesce(${t}.checked_out_at, ${t}.checked_in_at + ${max}), ${t}.checked_in_at + ${max})`;
  return `
    select m.person_id, o.person_id as contact_person_id, m.venue_id,
           greatest(m.checked_in_at, o.checked_in_at, ${from}) as overlap_start,
           least(${out('m')}, ${out('o')}, ${to}) as overlap_end
    from check_ins m
    join check_ins o on o.venue_id = m.venue_id
      and o.checked_in_at > m.checked_in_at - ${max} and o.checked_in_at < ${out('m')} and o.person_id <> m.person_id
    where m.person_id = any(${ids}) and m.checked_in_at < ${to} and m.checked_in_at > ${from} - ${max}
      and m.checked_in_at < ${out('o')}
      and least(${out('m')}, ${out('o')}, ${to}) - greatest(m.checked_in_at, o.checked_in_at, ${from}) >= interval '${MIN} minutes'`;
}
