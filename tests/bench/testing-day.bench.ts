/**
 * A day of testing read through the gateway (in its own process, as deployed): a province's
 * testing list (`Province.testingSchedule(date)`, as an official of the province) and a testing
 * site's results and counts of the day (`TestingSite.results(date)`, `summary(date)`, reached
 * through one of its results), p50/p95 over several requests, against the baseline in the same
 * run: the repository's statement (ScheduleRepository.dueInProvinces, SiteResultRepository.ofDay)
 * called directly on the testing database, for the first page of the largest size (MAX_PAGE); the
 * answers are checked by reading every page. The graph's answers also write one audit record per
 * person listed; the baseline does not.
 *
 * Data, made by SQL in the testing database: the province's day holds N scheduled tests (default
 * 5,000) among S schedules over 10 provinces and 30 days (default 200,000); half of the day's
 * people were tested that day at one site of the province (their results are that site's day,
 * and make their test DONE), among R other results over 10 provinces, 50 other sites each and the 30 days up to the day
 * (default 200,000), so the indexes work at a realistic size.
 *
 * npm run bench -- testing-day, or: npx tsx tests/bench/testing-day.bench.ts [dayTests=5000] [schedules=200000] [results=200000] [requests=20]
 */
import postgres from 'postgres';
import { startHub } from '../../hub/launch.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { vietnamDatePlus } from '../../subgraphs/testing/confirmation.ts';
import { createRepositories } from '../../subgraphs/testing/repositories/index.ts';
import { MAX_PAGE } from '../../subgraphs/testing/validation.ts';
import { benchPostgres, benchTestingSiteId, fmt, machine, measure, postGraphQL, startGatewayProcess } from './support.ts';

const DAY_TESTS = Number(process.argv[2] ?? 5000);
const SCHEDULES = Number(process.argv[3] ?? 200_000);
const RESULTS = Number(process.argv[4] ?? 200_000);
const REQUESTS = Number(process.argv[5] ?? 20);
const PROVINCES = ['01', '79', '24', '31', '48', '92', '22', '38', '46', '75'];
const HOME = '01';
const SITE = benchTestingSiteId(HOME, 0);
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_testing_day_${process.pid}`;
// eslint-disable-next-line no-process-env -- the hub's queues where it would have them
const redisUrl = process.env.REDIS_URL;

const sqlId = (head: string, expr: string) => `('${head}-0000-4000-8000-' || lpad(to_hex(${expr}), 12, '0'))::uuid`;
const provinces = `array[${PROVINCES.map((p) => `'${p}'`).join(',')}]`;

/** The day's schedules and results, and the background ones, in one transaction. */
async function generate(sql: postgres.Sql, day: string): Promise<void> {
  const midnight = `'${day}T00:00:00+07:00'::timestamptz`;
  await sql.begin(async (tx) => {
    await tx.unsafe(`select setseed(0.5)`);
    // The day's list of the province: person i, contact i, one of 500 cases; F1 mostly.
    await tx.unsafe(`insert into test_schedules (contact_id, case_id, person_id, degree, due_on, home_province_code)
      select ${sqlId('c0c00000', 'i')}, ${sqlId('ca5e0000', 'i % 500')}, ${sqlId('9e9e0000', 'i')}, case when i % 10 = 0 then 'F2' else 'F1' end, '${day}'::date, '${HOME}'
      from generate_series(0, ${DAY_TESTS - 1}) i`);
    // Other provinces and days (the day ± 15).
    await tx.unsafe(`insert into test_schedules (contact_id, case_id, person_id, degree, due_on, home_province_code)
      select gen_random_uuid(), ${sqlId('ca5e0000', 'j % 500')}, gen_random_uuid(), 'F1',
             '${day}'::date + (1 + j % 15) * (case when j % 2 = 0 then 1 else -1 end), (${provinces})[1 + j % ${PROVINCES.length}]
      from generate_series(0, ${SCHEDULES - DAY_TESTS - 1}) j`);
    // Half of the day's people tested that day at the site: the site's day, and their test DONE.
    await tx.unsafe(`insert into test_results (lab, sample_id, person_id, kind, collected_at, resulted_at, site_province_code, site_id, result, ct_value)
      select 'lab-bench', 'D-' || i, ${sqlId('9e9e0000', 'i')}, 'PCR', ${midnight} + (i % 600) * interval '1 minute', ${midnight} + interval '11 hours',
             '${HOME}', '${SITE}', case when i % 50 = 0 then 'POSITIVE' else 'NEGATIVE' end, case when i % 50 = 0 then 25 end
      from generate_series(0, ${DAY_TESTS - 1}, 2) i`);
    await tx.unsafe(`insert into test_results (lab, sample_id, person_id, kind, collected_at, resulted_at, site_province_code, site_id, result)
      select 'lab-bench', 'B-' || j, gen_random_uuid(), 'RAPID_ANTIGEN', ${midnight} - (j % 30) * interval '1 day' + (j % 600) * interval '1 minute',
             ${midnight} - (j % 30) * interval '1 day' + interval '11 hours', p.code,
             ('e5700000-00' || p.code || '-4000-8000-' || lpad(to_hex(1 + j % 50), 12, '0'))::uuid, 'NEGATIVE'
      from generate_series(0, ${RESULTS - 1}) j, lateral (select (${provinces})[1 + j % ${PROVINCES.length}] as code) p`);
  });
  await sql.unsafe('analyze test_schedules');
  await sql.unsafe('analyze test_results');
}

const LIST = /* GraphQL */ `query TestingList($code: ID!, $date: String!, $limit: Int!, $offset: Int!) { province(code: $code) { testingSchedule(date: $date, limit: $limit, offset: $offset) { dueOn status degree caseId contactId person { id } } } }`;
const SITE_DAY = /* GraphQL */ `query SiteDay($id: ID!, $date: String!, $limit: Int!, $offset: Int!) { testResult(id: $id) { testingSite { results(date: $date, limit: $limit, offset: $offset) { id result ctValue collectedAt person { id } }
  summary(date: $date) { total positive negative } } } }`;

const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}`);
let exitCode = 0;
try {
  const hub = await startHub({
    postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: [], seedDemo: false, tracingWorkers: false,
    supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 30_000, provinceTimeoutMs: 5_000,
    maxBodyBytes: 1_000_000, logger: createLogger('bench', 'warn'), redisUrl,
  });
  const gatewayProcess = await startGatewayProcess(hub, secrets, { maxBodyBytes: 1_000_000, subgraphTimeoutMs: 30_000, provinceTimeoutMs: 5_000 });
  try {
    const testing = hub.subgraphs.find((s) => s.name === 'testing')!.database;
    // Yesterday in Vietnam: every test of the list has its status settled by the day's results.
    const day = vietnamDatePlus(new Date(), -1);
    const t0 = performance.now();
    await generate(testing.sql, day);
    const [{ schedules, results }] = await testing.sql<[{ schedules: string; results: string }]>`select (select count(*) from test_schedules) as schedules, (select count(*) from test_results) as results`;
    console.log(`data: ${schedules} schedules (${DAY_TESTS} due in ${HOME} on ${day}), ${results} results, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const official = await signCallerToken(secrets.jwt, { subject: `bench-${HOME}`, role: 'province_official', provinces: [HOME] });
    const [{ id: siteResultId }] = await testing.sql<[{ id: string }]>`select id from test_results where sample_id = 'D-0'`;
    // One page of the largest size; the checks below read every page.
    const askList = async (offset = 0) => {
      const body = await postGraphQL<{ province: { testingSchedule: Array<{ status: string }> } }>(gatewayProcess.url, official, LIST, { code: HOME, date: day, limit: MAX_PAGE, offset });
      if (body.errors || !body.data?.province?.testingSchedule) throw new Error(`testingSchedule failed (${body.status}): ${JSON.stringify(body.errors).slice(0, 400)}`);
      return body.data.province.testingSchedule;
    };
    const askSite = async (offset = 0) => {
      const body = await postGraphQL<{ testResult: { testingSite: { results: unknown[]; summary: { total: number } } } }>(gatewayProcess.url, official, SITE_DAY, { id: siteResultId, date: day, limit: MAX_PAGE, offset });
      if (body.errors || !body.data?.testResult?.testingSite?.results) throw new Error(`site day failed (${body.status}): ${JSON.stringify(body.errors).slice(0, 400)}`);
      return body.data.testResult.testingSite;
    };

    // The answers agree with the data before anything is timed.
    const repos = createRepositories(testing.db as never);
    const today = vietnamDatePlus(new Date(), 0);
    const list: Array<{ status: string }> = [];
    for (let page = await askList(); page.length > 0; page = page.length < MAX_PAGE ? [] : await askList(list.length)) list.push(...page);
    const done = list.filter((s) => s.status === 'DONE').length;
    const siteDay = { results: [] as unknown[], summary: (await askSite()).summary };
    for (let page = (await askSite()).results; page.length > 0; page = page.length < MAX_PAGE ? [] : (await askSite(siteDay.results.length)).results) siteDay.results.push(...page);
    const tested = Math.ceil(DAY_TESTS / 2);
    if (list.length !== DAY_TESTS || done !== tested || siteDay.results.length !== tested || siteDay.summary.total !== tested) {
      throw new Error(`sizes: list ${list.length} (${done} DONE), site day ${siteDay.results.length} (total ${siteDay.summary.total}); expected ${DAY_TESTS} (${tested} DONE) and ${tested}`);
    }
    console.log(`list: ${list.length} tests, ${done} DONE, ${list.length - done} OVERDUE; site day: ${siteDay.results.length} results`);

    const page = { limit: MAX_PAGE, offset: 0 };
    const listSql = await measure(() => repos.schedules.dueInProvinces([HOME], day, today, page), REQUESTS);
    const listGraph = await measure(() => askList(), REQUESTS);
    const siteSql = await measure(() => repos.sites.ofDay([{ provinceCode: HOME, id: SITE }], day, page), REQUESTS);
    const siteGraph = await measure(() => askSite(), REQUESTS);
    console.log(`\nProvince.testingSchedule (${DAY_TESTS} tests, the first page of up to ${MAX_PAGE}, province official):`);
    console.log(`  ScheduleRepository.dueInProvinces, direct (baseline): ${fmt(listSql)}`);
    console.log(`  graph (with ${Math.min(DAY_TESTS, MAX_PAGE)} audit records)             : ${fmt(listGraph)}`);
    console.log(`  ratio graph/direct (p50): ${(listGraph.p50 / listSql.p50).toFixed(2)}x`);
    console.log(`\nTestingSite.results + summary (${tested} results, the first page of up to ${MAX_PAGE}):`);
    console.log(`  SiteResultRepository.ofDay, direct (baseline): ${fmt(siteSql)}`);
    console.log(`  graph (results and counts, audited)          : ${fmt(siteGraph)}`);
    console.log(`  ratio graph/direct (p50): ${(siteGraph.p50 / siteSql.p50).toFixed(2)}x`);
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
}
process.exit(exitCode);
