/**
 * The existence checks of a lab's upload (subgraphs/testing/references.ts): for one batch of 5,000
 * rows naming 5,000 registered people and sites in 3 provinces, the time `ReferenceCache.check`
 * takes through the gateway (one GraphQL request: `knownPersonIds(ids)` in declarations, ids only,
 * and `province(code) { testingSites }` in each shard), first with nothing cached, then
 * again (all cached: no request), vs (a) the same look-ups as direct SQL in the two databases and
 * (b) `TestResultRepository.record` of the same batch (what the upload costs without the checks).
 * The ratio check / record says how much the checks add to an upload.
 *
 * npm run bench -- testing-references, or: npx tsx tests/bench/testing-references.bench.ts [batches=5] [batch=5000]
 */
import postgres from 'postgres';
import { startHub } from '../../hub/launch.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { GraphClient } from '../../subgraphs/shared/graph-client.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';
import { ReferenceCache } from '../../subgraphs/testing/references.ts';
import { TestResultRepository } from '../../subgraphs/testing/repositories/test-results.ts';
import { validateTestResult, type TestSample } from '../../subgraphs/testing/validation.ts';
import { addTestingSites, benchPostgres, benchTestingSiteId, machine } from './support.ts';

const BATCHES = Number(process.argv[2] ?? 5);
const BATCH = Number(process.argv[3] ?? 5000);
const PROVINCES = ['01', '24', '79'];
const SITES = 20;
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_testing_refs_${process.pid}`;
const personId = (i: number) => `7e570000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}`);
let exitCode = 0;
try {
  const hub = await startHub({
    postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: PROVINCES, seedDemo: false, tracingWorkers: false,
    supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 60_000, provinceTimeoutMs: 10_000, maxBodyBytes: 8_000_000,
    logger: createLogger('bench', 'warn'),
  });
  const graph = new GraphClient(() => hub.gatewayUrl, secrets.jwt, { subject: 'testing-references-bench', purpose: 'bench' });
  const declarations = hub.subgraphs.find((s) => s.name === 'declarations')!.database.sql;
  const shards = PROVINCES.map((code) => hub.subgraphs.find((s) => s.provinceCode === code)!.database.sql);
  try {
    const wards = DEMO_WARDS.filter((w) => PROVINCES.includes(w.provinceCode));
    const people = BATCHES * BATCH;
    await declarations.unsafe(`
      insert into people (id, full_name, birth_year, phone, residence_ward_code, residence_province_code)
      select ('7e570000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Người ' || i, 1980, '08' || lpad(i::text, 8, '0'),
             (array[${wards.map((w) => `'${w.code}'`).join(', ')}])[1 + i % ${wards.length}], (array[${wards.map((w) => `'${w.provinceCode}'`).join(', ')}])[1 + i % ${wards.length}]
      from generate_series(0, ${people - 1}) i`);
    await declarations.unsafe('analyze people');
    await addTestingSites(hub, PROVINCES, SITES);
    console.log(`${people} people in declarations, ${SITES} testing sites in each of ${PROVINCES.join(', ')}; ${BATCHES} batches of ${BATCH} rows, each naming ${BATCH} other people`);

    const repo = new TestResultRepository(hub.subgraphs.find((s) => s.name === 'testing')!.database.db as never);
    const at = new Date();
    const batchOf = (b: number) => Array.from({ length: BATCH }, (_, i) => ({ person: personId(b * BATCH + i), site: { province: PROVINCES[i % PROVINCES.length]!, id: benchTestingSiteId(PROVINCES[i % PROVINCES.length]!, i % SITES) } }));
    const samplesOf = (rows: ReturnType<typeof batchOf>, tag: string): TestSample[] =>
      rows.map((r, i) => {
        const checked = validateTestResult(
          { sampleId: `${tag}-${i}`, personId: r.person, kind: 'PCR', result: 'NEGATIVE', collectedAt: new Date(at.getTime() - 3 * 3_600_000), resultedAt: new Date(at.getTime() - 3_600_000), testingSite: r.site },
          { subject: 'bench-refs', isPartner: true },
          at,
        );
        if (!checked.ok) throw new Error(checked.rejection.message);
        return checked.sample;
      });

    // Warm-up: connections, plans, the gateway's query plan for this operation's shape.
    await new ReferenceCache(graph).check(batchOf(0).map((r) => r.site), batchOf(0).map((r) => r.person));
    await repo.record(samplesOf(batchOf(0), 'warm'));

    const cold: number[] = [];
    const warm: number[] = [];
    const direct: number[] = [];
    const record: number[] = [];
    for (let b = 1; b < BATCHES; b++) {
      const rows = batchOf(b);
      const sites = rows.map((r) => r.site);
      const ids = rows.map((r) => r.person);
      const cache = new ReferenceCache(graph);
      let t = performance.now();
      const unknown = await cache.check(sites, ids);
      cold.push(performance.now() - t);
      if (unknown.people.size || unknown.sites.size) throw new Error(`unexpected unknowns: ${unknown.people.size} people, ${unknown.sites.size} sites`);
      t = performance.now();
      await cache.check(sites, ids);
      warm.push(performance.now() - t);
      t = performance.now();
      const found = await declarations`select id from people where id = any(${ids}::uuid[])`;
      await Promise.all(shards.map((shard) => shard`select id from testing_sites`));
      direct.push(performance.now() - t);
      if (found.length !== ids.length) throw new Error('direct look-up found fewer people');
      const samples = samplesOf(rows, `b${b}`);
      t = performance.now();
      await repo.record(samples);
      record.push(performance.now() - t);
      console.log(`batch ${b}: check ${cold.at(-1)!.toFixed(0)} ms (cached ${warm.at(-1)!.toFixed(1)} ms), direct SQL ${direct.at(-1)!.toFixed(0)} ms, record ${record.at(-1)!.toFixed(0)} ms`);
    }
    const [c, w, d, r] = [median(cold), median(warm), median(direct), median(record)];
    console.log(`median per ${BATCH}-row batch: check through the graph ${c.toFixed(0)} ms, cached ${w.toFixed(1)} ms, direct SQL ${d.toFixed(0)} ms, repository.record ${r.toFixed(0)} ms`);
    console.log(`ratio check / direct SQL: ${(c / d).toFixed(1)}x; an upload of new people costs ${((c / r) * 100).toFixed(0)} % more than storing it (cached: ${((w / r) * 100).toFixed(1)} %)`);
  } finally {
    await graph.close();
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
