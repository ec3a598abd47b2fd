/**
 * `transmissionChain` of a large outbreak: a chain of N cases (default 1,000) over 10 provinces,
 * asked through the gateway (in its own process, as deployed) for its first case (so the answer is
 * the whole chain), p50/p95 over several requests, against the baseline in the same run: the
 * recursive SQL over the same links (the statement of CaseRepository.chain, with the cases' rows)
 * run directly on the tracing database. Target: under 200 ms.
 *
 * The data is made by SQL in the tracing database (no shard is involved: the chain's fields are
 * all the tracing subgraph's, `province { code }` being the Province key, so the hub runs no
 * province shard). The chain is a random recursive tree: case i (confirmed 30 minutes after case
 * i − 1) was infected by a uniformly drawn earlier case, about 7 generations on average, up to
 * about 20; 90 % of links are F1, 10 % F2. Every chain case has 10 other contacts (80 % living in
 * the case's province), and the database holds unrelated cases with 10 contacts each (default
 * 20,000), so the indexes work at a realistic size.
 *
 * Measured as a national official (every case visible, each one an audited read) and as a province
 * official of the first case's province (cases elsewhere masked: the policy reads each case's
 * contacts' home provinces).
 *
 * npm run bench -- transmission-chain, or: npx tsx tests/bench/transmission-chain.bench.ts [chainCases=1000] [otherCases=20000] [requests=50]
 */
import postgres from 'postgres';
import { startHub } from '../../hub/launch.ts';
import { DEFAULT_CONTACT_RULE } from '../../subgraphs/tracing/rules.ts';
import { createRepositories } from '../../subgraphs/tracing/repositories/index.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { benchPostgres, fmt, machine, measure, postGraphQL, startGatewayProcess } from './support.ts';

const CHAIN = Number(process.argv[2] ?? 1000);
const OTHER_CASES = Number(process.argv[3] ?? 20_000);
const REQUESTS = Number(process.argv[4] ?? 50);
const CONTACTS_PER_CASE = 10;
const PROVINCES = ['01', '79', '24', '31', '48', '92', '22', '38', '46', '75'];
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_chain_${process.pid}`;
// eslint-disable-next-line no-process-env -- the hub's queues where it would have them
const redisUrl = process.env.REDIS_URL;

/** Deterministic ids in SQL from an integer expression. */
const sqlId = (head: string, expr: string) => `('${head}-0000-4000-8000-' || lpad(to_hex(${expr}), 12, '0'))::uuid`;
const caseId = (i: number) => `ca5e0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const provinces = `array[${PROVINCES.map((p) => `'${p}'`).join(',')}]`;

/**
 * The chain (cases 0 … CHAIN − 1), then the unrelated cases, and their contacts, in one
 * transaction. Case i of the chain has person i; its link is the contact row 'c1…' i of its
 * parent's case, naming person i.
 */
async function generate(sql: postgres.Sql, end: Date): Promise<void> {
  const rule = DEFAULT_CONTACT_RULE.name;
  const first = new Date(end.getTime() - (CHAIN + 1) * 30 * 60_000).toISOString();
  await sql.begin(async (tx) => {
    await tx.unsafe(`select setseed(0.14)`);
    await tx.unsafe(`create temporary table chain on commit drop as
      select i, case when i = 0 then null else floor(random() * i)::int end as parent,
             (${provinces})[1 + floor(random() * ${PROVINCES.length})::int] as province,
             '${first}'::timestamptz + i * interval '30 minutes' as confirmed_at,
             case when random() < 0.9 then 'F1' else 'F2' end as degree
      from generate_series(0, ${CHAIN - 1}) i`);
    // Chain cases and the unrelated ones (ids after the chain's), confirmed over the same days.
    await tx.unsafe(`insert into cases (id, person_id, province_code, confirmed_at, infectious_from, infectious_to, rule_name, infected_by_contact_id)
      select ${sqlId('ca5e0000', 'i')}, ${sqlId('9e9e0000', 'i')}, province, confirmed_at, confirmed_at - interval '2 days', confirmed_at, '${rule}',
             case when parent is null then null else ${sqlId('c1c10000', 'i')} end
      from chain
      union all
      select ${sqlId('ca5e0000', `${CHAIN} + j`)}, ${sqlId('9e9e0000', `${CHAIN} + j`)}, (${provinces})[1 + j % ${PROVINCES.length}],
             '${first}'::timestamptz + (j % ${CHAIN}) * interval '30 minutes', '${first}'::timestamptz + (j % ${CHAIN}) * interval '30 minutes' - interval '2 days',
             '${first}'::timestamptz + (j % ${CHAIN}) * interval '30 minutes', '${rule}', null
      from generate_series(0, ${OTHER_CASES - 1}) j`);
    // The links: case i's person as a contact of its parent's case, exposed the day before i's confirmation.
    await tx.unsafe(`insert into contacts (id, case_id, person_id, degree, via_person_id, venue_id, overlap_start, overlap_end, overlap_minutes, rule_name, home_province_code)
      select ${sqlId('c1c10000', 'c.i')}, ${sqlId('ca5e0000', 'c.parent')}, ${sqlId('9e9e0000', 'c.i')}, c.degree,
             case when c.degree = 'F2' then ${sqlId('f2f20000', 'c.i')} end, ${sqlId('5e5e0000', 'c.i % 500')},
             c.confirmed_at - interval '1 day', c.confirmed_at - interval '1 day' + interval '40 minutes', 40, '${rule}', c.province
      from chain c where c.parent is not null`);
    // Every case's other contacts (people who never became cases), most living in the case's province.
    await tx.unsafe(`insert into contacts (id, case_id, person_id, degree, via_person_id, venue_id, overlap_start, overlap_end, overlap_minutes, rule_name, home_province_code)
      select gen_random_uuid(), c.id, gen_random_uuid(), case when k < 7 then 'F1' else 'F2' end, case when k < 7 then null else gen_random_uuid() end,
             gen_random_uuid(), c.confirmed_at - interval '1 day', c.confirmed_at - interval '1 day' + interval '30 minutes', 30, '${rule}',
             case when random() < 0.8 then c.province_code else (${provinces})[1 + floor(random() * ${PROVINCES.length})::int] end
      from cases c cross join generate_series(0, ${CONTACTS_PER_CASE - 1}) k`);
    await tx.unsafe(`insert into tracing_runs (id, status, f1_count, f2_count, queued_at, started_at, finished_at)
      select id, 'SUCCEEDED', 7, 3, confirmed_at, confirmed_at, confirmed_at from cases`);
  });
  await sql.unsafe('analyze cases');
  await sql.unsafe('analyze contacts');
}

/** The baseline: CaseRepository.chain's recursive statement, answering the cases' rows, in one statement. */
const CHAIN_SQL = `
  with recursive up(id, depth) as (
    select id, 0 from cases where id = $1::uuid
    union
    select k.case_id, up.depth - 1 from up join cases c on c.id = up.id join contacts k on k.id = c.infected_by_contact_id
  ),
  down(id, depth) as (
    select id, 0 from cases where id = $1::uuid
    union
    select child.id, down.depth + 1 from down join contacts k on k.case_id = down.id join cases child on child.infected_by_contact_id = k.id
  ),
  nodes as (select id, min(depth) as depth from (select * from up union all select * from down) n group by id)
  select c.*, (n.depth - (select min(depth) from nodes))::int as generation, k.case_id as parent_id, k.degree
  from nodes n join cases c on c.id = n.id left join contacts k on k.id = c.infected_by_contact_id
  order by generation, c.confirmed_at, n.id`;

const QUERY = /* GraphQL */ `query TransmissionChain($id: ID!) { transmissionChain(caseId: $id) {
  cases { id person { id } province { code } confirmedAt onsetAt infectiousFrom status }
  links { from { id } to { id } degree }
  generations { caseId generation } } }`;

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
    const tracing = hub.subgraphs.find((s) => s.name === 'tracing')!.database;
    const t0 = performance.now();
    await generate(tracing.sql, new Date());
    const [{ cases, contacts }] = await tracing.sql<[{ cases: string; contacts: string }]>`select (select count(*) from cases) as cases, (select count(*) from contacts) as contacts`;
    console.log(`data: ${cases} cases (a chain of ${CHAIN} over ${PROVINCES.length} provinces), ${contacts} contacts, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const national = await signCallerToken(secrets.jwt, { subject: 'bench', role: 'national_official' });
    // An official of the first case's province (the case asked for must be visible to them).
    const [{ province_code: home }] = await tracing.sql<[{ province_code: string }]>`select province_code from cases where id = ${caseId(0)}`;
    const official = await signCallerToken(secrets.jwt, { subject: `bench-${home}`, role: 'province_official', provinces: [home] });
    const ask = async (token: string) => {
      const body = await postGraphQL<{ transmissionChain: { cases: Array<{ person: { id: string } | null }>; links: unknown[]; generations: Array<{ generation: number }> } }>(gatewayProcess.url, token, QUERY, { id: caseId(0) });
      if (body.errors || !body.data?.transmissionChain) throw new Error(`transmissionChain failed (${body.status}): ${JSON.stringify(body.errors).slice(0, 400)}`);
      return body.data.transmissionChain;
    };

    // The answers agree before anything is timed.
    const rows = await tracing.sql.unsafe<Array<{ generation: number }>>(CHAIN_SQL, [caseId(0)]);
    const answer = await ask(national);
    const masked = await ask(official);
    const generations = Math.max(...rows.map((r) => r.generation));
    if (rows.length !== CHAIN || answer.cases.length !== CHAIN || answer.links.length !== CHAIN - 1 || masked.cases.length !== CHAIN) {
      throw new Error(`chain sizes: SQL ${rows.length}, graph ${answer.cases.length} cases and ${answer.links.length} links, masked ${masked.cases.length}; expected ${CHAIN}`);
    }
    console.log(`chain: ${rows.length} cases, ${generations + 1} generations; the province official of ${home} sees ${masked.cases.filter((c) => c.person).length} of them unmasked`);

    const repos = createRepositories(tracing.db as never);
    const viaSql = await measure(() => tracing.sql.unsafe(CHAIN_SQL, [caseId(0)]), REQUESTS);
    const viaRepo = await measure(() => repos.cases.chain(caseId(0), { kind: 'ALL' }), REQUESTS);
    const viaGraph = await measure(() => ask(national), REQUESTS);
    const viaGraphMasked = await measure(() => ask(official), REQUESTS);
    console.log(`\ntransmissionChain of the first case (${CHAIN} cases):`);
    console.log(`  recursive SQL, one statement (baseline): ${fmt(viaSql)}`);
    console.log(`  CaseRepository.chain (one statement)  : ${fmt(viaRepo)}`);
    console.log(`  graph, national official              : ${fmt(viaGraph)}`);
    console.log(`  graph, province official of ${home} (masked) : ${fmt(viaGraphMasked)}`);
    console.log(`  ratio graph/SQL (p50): national ${(viaGraph.p50 / viaSql.p50).toFixed(2)}x, province official ${(viaGraphMasked.p50 / viaSql.p50).toFixed(2)}x  (target: graph p50 and p95 < 200 ms)`);
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
