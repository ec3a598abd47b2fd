/**
 * The checkins database at national scale: generates the tracing benchmark's data set
 * (tests/bench/data.ts: 1M people, 30k venues, 10M check-ins over 30 days) in a throwaway
 * database, then times what runs against it: exposure search (F1 of one typical person, of a
 * person at the busiest venue, and F2-style for 100 people in one statement), finding a check-in
 * by id with and without a time bound (what checkOut does), a partner batch, and the maintenance
 * job (closing overdue visits, 21-day retention). Target: generation under two minutes; F1 for a
 * typical case well under a millisecond of database time.
 *
 * npm run bench -- scale, or: npx tsx tests/bench/checkins-scale.bench.ts [checkIns=10000000]
 */
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { CheckinPartitions } from '../../subgraphs/checkins/partitions.ts';
import { CheckInBatchRepository, CheckInRepository, ExposureRepository } from '../../subgraphs/checkins/repositories/index.ts';
import { checkBatch, checkExposureQuery } from '../../subgraphs/checkins/validation.ts';
import { DEFAULT_EXPOSURE_RULE } from '../../subgraphs/checkins/rule.ts';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import { connect, databaseUrl, dropDatabase, ensureDatabase, migrateDatabase } from '../../subgraphs/shared/db.ts';
import { checkInId, generateCheckins, peopleAtBusiestVenues, personId, typicalPersonIds, venueQrCode } from './data.ts';
import { benchPostgres, fmt, machine, measure } from './support.ts';

const CHECK_INS = Number(process.argv[2] ?? 10_000_000);
const scale = CHECK_INS / 10_000_000;
const sizes = { checkIns: CHECK_INS, people: Math.max(1_000, Math.round(1_000_000 * scale)), venues: Math.max(100, Math.round(30_000 * scale)), days: 30 };
const name = `bench_scale_${process.pid}`;

const server = await benchPostgres();
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}`);
let exitCode = 0;
try {
  await ensureDatabase(server.url, name);
  const url = databaseUrl(server.url, name);
  await migrateDatabase(url, 'checkins');
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const end = new Date();
  const generated = await generateCheckins(sql, { ...sizes, end });
  const [{ n, size } = { n: 0, size: '' }] = await sql<Array<{ n: number; size: string }>>`
    select (select count(*)::int from check_ins) as n,
           (select pg_size_pretty(sum(pg_total_relation_size(inhrelid))) from pg_inherits where inhparent = 'check_ins'::regclass) as size`;
  const ms = (x: number) => `${(x / 1000).toFixed(1)} s`;
  console.log(
    `generated ${n} check-ins (${sizes.people} people, ${sizes.venues} venues, ${sizes.days} days; ${size} with indexes) in ${ms(generated.timings.total)}: ` +
      Object.entries(generated.timings).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${ms(v)}`).join(', '),
  );
  await sql.end();

  const database = connect(url, tables, 4);
  try {
    const exposures = new ExposureRepository(database.db, DEFAULT_EXPOSURE_RULE);
    const checkIns = new CheckInRepository(database.db, DEFAULT_EXPOSURE_RULE);
    const batches = new CheckInBatchRepository(database.db, DEFAULT_EXPOSURE_RULE);
    // A case's infectious window: the last 14 days.
    const window = checkExposureQuery({ from: new Date(end.getTime() - 14 * 86_400_000), to: end }, exposures.rule);
    const typical = typicalPersonIds(200, sizes.people);
    let k = 0;
    const f1Typical = await measure(() => exposures.forPeople([typical[k++ % typical.length]!], window), 200);
    const found = (await Promise.all(typical.slice(0, 21).map((p) => exposures.forPeople([p], window)))).map((e) => e.length).sort((a, b) => a - b);
    console.log(`F1, one typical person (14 days)         : ${fmt(f1Typical)}; exposures per person: median ${found[10]}, ${found[0]}–${found[20]}`);

    const busy = await peopleAtBusiestVenues(database.sql, 50, { before: new Date(end.getTime() - 2 * 86_400_000) });
    let b = 0;
    const f1Busy = await measure(() => exposures.forPeople([busy[b++ % busy.length]!], window), 50);
    const busyFound = await exposures.forPeople([busy[0]!], window);
    console.log(`F1, a person at the busiest venue         : ${fmt(f1Busy)}; ${busyFound.length} exposures`);

    let batch = 0;
    const hundred = () => {
      batch += 1;
      return Array.from({ length: 100 }, (_, i) => personId(((batch * 100 + i) * 37) % sizes.people));
    };
    const f2 = await measure(() => exposures.forPeople(hundred(), window), 20);
    console.log(`F2-style, 100 people in one statement     : ${fmt(f2)}`);

    // The database's own time for one typical F1 (the statement the repository sends, explained).
    // The repository sends it through its postgres.js client (a statement built once per shape,
    // shared/sql.ts StatementsByShape), not through drizzle's logger: the client's `unsafe` is watched.
    let captured: { query: string; params: unknown[] } | undefined;
    const watched = new Proxy(database.sql, {
      get: (target, property, receiver) =>
        property === 'unsafe'
          ? (query: string, params?: unknown[], options?: object) => ((captured = { query, params: params ?? [] }), target.unsafe(query, params as never[], options as never))
          : Reflect.get(target, property, receiver),
    });
    await new ExposureRepository(drizzle(watched, { schema: tables }), DEFAULT_EXPOSURE_RULE).forPeople([typical[0]!], window);
    if (!captured) throw new Error('the exposure statement was not seen on its way to PostgreSQL');
    const plan = await database.sql.unsafe(`explain (analyze, buffers) ${captured!.query}`, captured!.params as never[]);
    const lines = plan.map((r) => String((r as Record<string, unknown>)['QUERY PLAN']));
    console.log(`F1, one typical person, EXPLAIN ANALYZE  : ${lines.filter((l) => /Execution Time|Planning Time/.test(l)).map((l) => l.trim()).join(', ')}`);
    if (process.env.SHOW_PLAN) console.log(lines.join('\n')); // eslint-disable-line no-process-env -- a debugging switch

    // A check-in by id, as checkOut locates it: bounded to the day before (2 partitions), and not.
    const ids = Array.from({ length: 200 }, (_, i) => checkInId(Math.floor(((i + 1) * CHECK_INS) / 201)));
    const rows = await checkIns.byIds(ids);
    const at = new Map(rows.map((r) => [r.id, r.checkedInAt]));
    let j = 0;
    const bounded = await measure(() => {
      const id = ids[j++ % ids.length]!;
      const when = at.get(id)!;
      return checkIns.byIds([id], end, { from: new Date(when.getTime() - 86_400_000), to: new Date(when.getTime() + 6 * 3_600_000) });
    }, 200);
    const unbounded = await measure(() => checkIns.byIds([ids[j++ % ids.length]!]), 200);
    const partitionCount = (await new CheckinPartitions(database.db).list()).length;
    console.log(`check-in by id, within a day (checkOut)  : ${fmt(bounded)}`);
    console.log(`check-in by id, no time bound (fallback) : ${fmt(unbounded)}  (${partitionCount} partitions probed)`);

    // A partner batch of 5000 recent rows into the full table.
    const qr = Array.from({ length: 100 }, (_, v) => venueQrCode(v * 7));
    const recent = (round: number) =>
      Array.from({ length: 5_000 }, (_, i) => ({
        id: `dddd${String(round).padStart(4, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
        qrCode: qr[i % qr.length]!,
        personId: personId((i * 7919 + round) % sizes.people),
        checkedInAt: new Date(end.getTime() - 3_600_000 - i * 1_000),
        checkedOutAt: null,
      }));
    let round = 0;
    const ingest = await measure(() => batches.record(checkBatch(recent(round++), end), end), 10, 2);
    console.log(`recordCheckIns, 5000 rows into ${n} rows: ${fmt(ingest)} = ${Math.round(5_000 / (ingest.p50 / 1000))} rows/s at p50`);

    // The maintenance job's work at this size.
    const partitions = new CheckinPartitions(database.db);
    let started = performance.now();
    const closed = await partitions.closeOverdue(end, DEFAULT_EXPOSURE_RULE.maxStayMinutes);
    console.log(`closeOverdue (48 h lookback)             : ${closed} closed in ${(performance.now() - started).toFixed(0)} ms`);
    started = performance.now();
    const dropped = await partitions.dropOlderThan(new Date(end.getTime() - 21 * 86_400_000));
    console.log(`dropOlderThan (21 days)                  : ${dropped.partitions.length} partitions, ${dropped.defaultRowsDeleted} default rows in ${(performance.now() - started).toFixed(0)} ms`);
  } finally {
    await database.close();
  }
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await dropDatabase(server.url, name);
  await server.stop();
}
process.exit(exitCode);
