/**
 * The 19:00 briefing at national scale: a year of national data already rolled up (the ward days
 * and daily rollups that 10M cases, 100M tests and 10M doses a year leave in 34 provinces × 100
 * wards each, made by SQL inside PostgreSQL; not the ids of those events, which only the consumer's
 * replay check reads), measured in one run against baselines:
 * - situationReport nationwide and for one province (with its wards) through the gateway vs the
 *   same rollup statements run directly (p50; target < 50 ms);
 * - reproductionNumber (a year's windows) and a 28-day forecast for one province through the
 *   gateway vs the same reads and maths called directly (target < 100 ms);
 * - event to report at 1,000 events per second: events committed to the testing subgraph's outbox
 *   (in transactions of 10, every 10 ms), relayed, consumed, and polled through the gateway until
 *   counted (target < 2 s), vs the consumer applying a batch directly.
 * Usage: npm run bench -- analytics [scale] [seconds]   (scale 1 = the full year above; seconds of
 * event load, default 10)
 */
import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import { startHub } from '../../hub/launch.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { writeEvents } from '../../subgraphs/shared/outbox.ts';
import type { NewDomainEvent } from '../../subgraphs/shared/events.ts';
import { PROVINCES } from '../../subgraphs/units/directory.ts';
import * as analyticsTables from '../../subgraphs/analytics/db/schema.ts';
import * as testingTables from '../../subgraphs/testing/db/schema.ts';
import { Briefing } from '../../subgraphs/analytics/briefing.ts';
import { createRepositories } from '../../subgraphs/analytics/repositories/index.ts';
import { LEVEL_SET, LEVELS } from '../../subgraphs/analytics/rollup.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { benchPostgres, fmt, machine, measure, postGraphQL } from './support.ts';

const SCALE = Number(process.argv[2] ?? 1);
const LOAD_SECONDS = Number(process.argv[3] ?? 10);
const WARDS_PER_PROVINCE = Math.max(2, Math.round(100 * Math.min(1, SCALE * 10)));
const PER_YEAR = { cases: 10_000_000 * SCALE, tests: 100_000_000 * SCALE, doses: 10_000_000 * SCALE };
const LAST_DAY = '2025-12-31';
const FIRST_DAY = '2025-01-01';
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_analytics_${process.pid}`;

const server = await benchPostgres();
// eslint-disable-next-line no-process-env -- the bench uses Redis when the hub would
const redisUrl = process.env.REDIS_URL;
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}; queues: ${redisUrl ? 'Redis' : 'PostgreSQL backend'}`);
const hub = await startHub({
  postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: ['01', '24', '79'], seedDemo: false,
  supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 30_000, provinceTimeoutMs: 10_000,
  maxBodyBytes: 1_000_000, logger: createLogger('bench', 'warn'), redisUrl,
});
try {
  const database = (name: string) => hub.subgraphs.find((s) => s.name === name && !s.provinceCode)!.database;
  const sql = database('analytics').sql;
  const provinces = PROVINCES.map((p) => p.code);

  // A year of ward days: each ward's daily cases, tests and doses drawn around the national rate
  // with a seasonal wave, and what they imply (contacts, tasks, first calls, onset days); the levels'
  // running values summed along each ward's days, as the consumer keeps them.
  const t0 = performance.now();
  const perWardDay = (n: number) => n / 365 / (provinces.length * WARDS_PER_PROVINCE);
  const c = perWardDay(PER_YEAR.cases);
  const metrics: Array<[metric: string, perDay: string]> = [
    ['cases_confirmed', `round(k * ${c})`],
    ['cases_rejected', `round(k * ${c * 0.02})`],
    ['cases_onset', `round(k * ${c * 0.7})`],
    ['contacts_f1', `round(k * ${c * 5})`],
    ['contacts_f2', `round(k * ${c * 10})`],
    ['tests_done', `round(k * ${perWardDay(PER_YEAR.tests)})`],
    ['tests_positive', `round(k * ${perWardDay(PER_YEAR.tests) * 0.08})`],
    ['doses_given', `round(k * ${perWardDay(PER_YEAR.doses)})`],
    ['tasks_NEW', `round(k * ${c * 15}) - round(k * ${c * 14})`],
    ['tasks_CONTACTED', `round(k * ${c * 1})`],
    ['tasks_CLOSED', `round(k * ${c * 13})`],
    ['tasks_open_due', `round(k * ${c * 2})`],
    ['first_call_h002', `round(k * ${c * 4})`],
    ['first_call_h005', `round(k * ${c * 6})`],
    ['first_call_h011', `round(k * ${c * 3})`],
    ['first_call_h030', `round(k * ${c * 1})`],
  ];
  const map = (values: Array<[string, string]>) => `jsonb_strip_nulls(jsonb_build_object(${values.map(([m, v]) => `'${m}', nullif(${v}, 0)`).join(', ')}))`;
  // One transaction: the temporary table is its connection's.
  await sql.begin(async (tx) => {
    await tx.unsafe(`
      create temporary table ward_values on commit drop as
      select day, province, ward, ${metrics.map(([m, v]) => `${v}::bigint as "${m}"`).join(', ')} from (
        select d::date as day, p as province, lpad((w + 1)::text, 5, '0') as ward,
               (1 + 0.8 * sin(extract(doy from d) / 365.0 * 2 * pi())) * (0.5 + random()) as k
        from generate_series('${FIRST_DAY}'::date, '${LAST_DAY}'::date, interval '1 day') d,
             unnest('{${provinces.join(',')}}'::text[]) p, generate_series(0, ${WARDS_PER_PROVINCE - 1}) w
      ) drawn`);
    await tx.unsafe(`
      insert into ward_days (province, ward, day, counts, running)
      select province, ward, day, ${map(metrics.map(([m]) => [m, `"${m}"`]))},
             ${map(metrics.filter(([m]) => LEVEL_SET.has(m)).map(([m]) => [m, `sum("${m}") over (partition by province, ward order by day)`]))}
      from ward_values`);
    // Provinces, then the nation: the sums of their wards, as the consumer keeps them.
    await tx.unsafe(`
      insert into daily_rollups (day, province, ward, metric, value)
      select day, province, '*', m.metric, sum(m.value) from ward_values,
      lateral (values ${metrics.map(([m]) => `('${m}', "${m}")`).join(', ')}) as m(metric, value)
      group by day, province, m.metric having sum(m.value) <> 0`);
    await tx.unsafe(`insert into daily_rollups select day, '*', '*', metric, sum(value) from daily_rollups where province <> '*' group by day, metric`);
    await tx.unsafe(`
      insert into rollup_totals select province, ward, metric, sum(value) from daily_rollups
      where metric = any('{${LEVELS.join(',')}}'::text[]) group by province, ward, metric`);
    await tx.unsafe('analyze daily_rollups; analyze rollup_totals; analyze ward_days');
  });
  const [{ rows, wardRows }] = await sql<[{ rows: number; wardRows: number }]>`select (select count(*)::int from daily_rollups) as rows, (select count(*)::int from ward_days) as "wardRows"`;
  const [{ cases, tests, doses }] = await sql<[{ cases: number; tests: number; doses: number }]>`
    select sum(value) filter (where metric = 'cases_confirmed')::float8 as cases, sum(value) filter (where metric = 'tests_done')::float8 as tests,
           sum(value) filter (where metric = 'doses_given')::float8 as doses from daily_rollups where province = '*'`;
  console.log(`data: a year, ${provinces.length} provinces × ${WARDS_PER_PROVINCE} wards: ${wardRows.toLocaleString()} ward days and ${rows.toLocaleString()} province and national rollup rows for ${Math.round(cases).toLocaleString()} cases, ${Math.round(tests).toLocaleString()} tests and ${Math.round(doses).toLocaleString()} doses, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const token = await signCallerToken(secrets.jwt, { subject: 'bench-official', role: 'national_official' });
  const ask = async (query: string, variables: Record<string, unknown>) => {
    const r = await postGraphQL<Record<string, unknown>>(hub.gatewayUrl, token, query, variables);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const repos = createRepositories(drizzle(sql, { schema: analyticsTables }));
  const briefing = new Briefing(repos);
  const N = SCALE >= 0.1 ? 200 : 20;
  const REPORT = `query($p: ID, $d: String) { situationReport(province: $p, date: $d) { date newCases cumulativeCases activeCases contactsF1 contactsF2 tasksOverdue testsDone positivity dosesGiven freeBeds medianHoursToFirstCall
    change { newCases activeCases testsDone } sevenDayAverage { newCases activeCases positivity } wards { ward figures { newCases activeCases testsDone } } } }`;
  const day = '2025-11-15';
  const compare = async (label: string, viaGateway: () => Promise<unknown>, direct: () => Promise<unknown>, target: number) => {
    const g = await measure(viaGateway, N);
    const d = await measure(direct, N);
    console.log(`${label}\n  gateway: ${fmt(g)}\n  direct:  ${fmt(d)}\n  ratio ${(g.p50 / d.p50).toFixed(2)}×; target p50 < ${target} ms: ${g.p50 < target ? 'met' : 'NOT met'}`);
  };
  await compare('situationReport nationwide', () => ask(REPORT, { p: null, d: day }), () => repos.reports.series(null, '2025-10-27', day), 50);
  await compare(
    'situationReport province 79 with its wards',
    () => ask(REPORT, { p: '79', d: day }),
    () => Promise.all([repos.reports.series('79', '2025-10-27', day), repos.reports.wardSeries('79', day)]),
    50,
  );
  await compare(
    'reproductionNumber province 79, a year',
    () => ask(`query { reproductionNumber(province: "79", from: "${FIRST_DAY}", to: "${LAST_DAY}") { windows { start mean lower upper } } }`, {}),
    () => briefing.reproductionNumber('79', FIRST_DAY, LAST_DAY),
    100,
  );
  await compare(
    'forecast province 79, 28 days',
    () => ask(`query { forecast(province: "79", days: 28, seed: 3, asOf: "${LAST_DAY}") { date median lower upper } }`, {}),
    () => briefing.forecast('79', 28, 3, LAST_DAY),
    100,
  );

  // Event to report at 1,000 events per second through the real outbox, relay, queue and consumer.
  const testingDb = drizzle(database('testing').sql, { schema: testingTables });
  const LOAD_DAY = '2031-01-01';
  const committed: Array<{ count: number; at: number }> = [];
  let total = 0;
  let producing = true;
  // A transaction every 10 ms whether or not the previous one has committed (producers are many
  // requests at once). A batch counts as reached when the report shows every event committed up to
  // its commit: an upper bound on each event's latency.
  const producer = (async () => {
    const started = performance.now();
    const inFlight: Array<Promise<void>> = [];
    for (let tick = 0; performance.now() - started < LOAD_SECONDS * 1000; tick++) {
      const events: NewDomainEvent[] = Array.from({ length: 10 }, () => ({ type: 'dose.recorded' as const, occurredAt: new Date(), day: LOAD_DAY, province: '96', ward: '32000', payload: { doseId: randomUUID(), product: 'COMIRNATY', doseNumber: 1 } }));
      inFlight.push(
        testingDb.transaction((tx) => writeEvents(tx, events)).then(() => {
          total += events.length;
          committed.push({ count: total, at: performance.now() });
        }),
      );
      const wait = started + (tick + 1) * 10 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
    producing = false;
  })();
  const latencies: number[] = [];
  let seen = 0;
  const loadStarted = performance.now();
  while (producing || seen < total) {
    const data = (await ask(`query { situationReport(province: "96", date: "${LOAD_DAY}") { dosesGiven } }`, {})) as { situationReport: { dosesGiven: number } };
    const now = performance.now();
    const counted = data.situationReport.dosesGiven;
    while (committed.length && committed[0]!.count <= counted) latencies.push(now - committed.shift()!.at);
    seen = counted;
    if (now - loadStarted > (LOAD_SECONDS + 60) * 1000) throw new Error(`only ${seen} of ${total} events reached the report`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await producer;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  const elapsed = (performance.now() - loadStarted) / 1000;
  const applyBatch = await measure(
    () => repos.rollups.apply(Array.from({ length: 10 }, () => ({ id: randomUUID(), type: 'dose.recorded' as const, occurredAt: new Date().toISOString(), day: '2032-01-01', province: '96', ward: '32000', payload: { doseId: randomUUID(), product: 'X', doseNumber: 1 } }))),
    N,
  );
  console.log(`event to report: ${total.toLocaleString()} events in ${LOAD_SECONDS} s (${(total / LOAD_SECONDS).toFixed(0)}/s committed), all counted after ${elapsed.toFixed(1)} s; latency (commit → counted in situationReport, polled every 50 ms) p50 ${q(0.5).toFixed(0)} ms  p95 ${q(0.95).toFixed(0)} ms  max ${q(1).toFixed(0)} ms; target < 2000 ms: ${q(0.95) < 2000 ? 'met' : 'NOT met'} (p95)`);
  console.log(`  baseline, the consumer applying a batch of 10 directly: ${fmt(applyBatch)}`);
} finally {
  await hub.stop();
  const admin = (await import('postgres')).default(server.url, { max: 1, onnotice: () => {} });
  const dbs = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`${prefix}\\_%`}`;
  for (const { datname } of dbs) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
  await admin.end();
  await server.stop();
}
