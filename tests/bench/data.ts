/**
 * A national-scale check-in data set for the tracing benchmark, made inside PostgreSQL with
 * `insert … select … from generate_series` (no rows cross the wire): by default 1,000,000 people,
 * 30,000 venues and 10,000,000 check-ins over the last 30 days.
 *
 * - Venue popularity is skewed (Zipf-like): a check-in's venue index is floor(venues × random()³),
 *   so venue 0 is the busiest, and the busiest 1 % of venues get about a fifth of all visits.
 * - People are uniform: each has about checkIns / people visits (10 by default).
 * - Times are uniform over the window, to the second; stays 15–180 minutes; 3 % left open.
 * - Ids are deterministic (personId(i), venueId(i), checkInId(i)), and random() is seeded, so the
 *   same options give the same data and tests can name people without querying first.
 *
 * The database must be migrated (check_ins partitioned by day). Every day of the window gets its
 * partition before the insert. Loading follows PostgreSQL's advice for bulk loads ("Populating a
 * Database"): check_ins' indexes and foreign key are dropped, the rows inserted (two connections,
 * half of the rows each), then the indexes and keys re-created exactly as they were (their
 * definitions are read from the catalog first), partition by partition on both connections, and
 * each partition vacuumed and analysed.
 */
import postgres from 'postgres';
import { partitionName, utcDay } from '../../subgraphs/checkins/partitions.ts';

export interface CheckinsDataOptions {
  people?: number;
  venues?: number;
  checkIns?: number;
  days?: number;
  /** Open check-ins, as a fraction (default 0.03). */
  openShare?: number;
  /** The end of the window (default: now); check-ins fall in [end − days, end). */
  end?: Date;
  /** Seed of PostgreSQL's random() (default 0.42). */
  seed?: number;
}

export interface CheckinsDataSummary {
  people: number;
  venues: number;
  checkIns: number;
  from: Date;
  to: Date;
  /** Wall time of each phase and in total, in milliseconds. */
  timings: Record<'venues' | 'partitions' | 'insert' | 'indexes' | 'vacuum' | 'total', number>;
}

const hex12 = (n: number) => n.toString(16).padStart(12, '0');
/** Deterministic ids: person i, venue i, check-in i (i counts from 0). */
export const personId = (i: number) => `bbbb0000-0000-4000-8000-${hex12(i)}`;
export const venueId = (i: number) => `aaaa0000-0000-4000-8000-${hex12(i)}`;
export const checkInId = (i: number) => `cccc0000-0000-4000-8000-${hex12(i)}`;
export const venueQrCode = (i: number) => `GEN-${i}`;

/** The same ids in SQL, from an integer expression. */
const sqlId = (prefix: string, expr: string) => `('${prefix}-0000-4000-8000-' || lpad(to_hex(${expr}), 12, '0'))::uuid`;

/** The `count` busiest venues (venue 0 is the busiest: the skew puts low indexes first). */
export function busiestVenueIds(count = 1): string[] {
  return Array.from({ length: count }, (_, i) => venueId(i));
}

/**
 * People of no particular kind, spread over the id range (deterministic). Visits are uniform over
 * people, so each has about checkIns / people check-ins, at venues drawn from the same skewed
 * popularity as everyone's (so a few of them were at a very busy place).
 */
export function typicalPersonIds(count: number, people = 1_000_000): string[] {
  return Array.from({ length: count }, (_, i) => personId((Math.floor(people / 2) + i * 7919) % people));
}

/**
 * People who were at the busiest venue(s) shortly before `before` (default: a day ago, so that
 * their visits lie well inside a window ending now): the worst cases for exposure search. One
 * indexed query.
 */
export async function peopleAtBusiestVenues(
  sql: postgres.Sql,
  count: number,
  { venues = 1, before = new Date(Date.now() - 86_400_000) }: { venues?: number; before?: Date } = {},
): Promise<string[]> {
  const rows = await sql<Array<{ person_id: string }>>`
    select distinct person_id from (
      select person_id from check_ins
      where venue_id = any(${busiestVenueIds(venues)}::uuid[]) and checked_in_at < ${before.toISOString()}::timestamptz
      order by checked_in_at desc limit ${count * 4}
    ) recent limit ${count}`;
  return rows.map((r) => r.person_id);
}

const CATEGORIES = ['MARKET', 'RESTAURANT', 'SHOP', 'SCHOOL', 'HOSPITAL', 'OFFICE', 'TRANSPORT', 'WORSHIP', 'OTHER'];
const PROVINCES = ['01', '79', '24', '31', '48', '92'];

/**
 * Fills the migrated checkins database behind `sql` (its URL is reused for a second connection).
 * For a throwaway database: it drops and re-creates check_ins' indexes and keys while it loads.
 * Expects no check-ins yet in the window; venues are inserted if missing.
 */
export async function generateCheckins(sql: postgres.Sql, options: CheckinsDataOptions = {}): Promise<CheckinsDataSummary> {
  const people = options.people ?? 1_000_000;
  const venues = options.venues ?? 30_000;
  const checkIns = options.checkIns ?? 10_000_000;
  const days = options.days ?? 30;
  const openShare = options.openShare ?? 0.03;
  const seed = options.seed ?? 0.42;
  const to = options.end ?? new Date();
  const from = new Date(to.getTime() - days * 86_400_000);
  for (const [name, value] of Object.entries({ people, venues, checkIns, days })) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  const timings = { venues: 0, partitions: 0, insert: 0, indexes: 0, vacuum: 0, total: 0 };
  const started = performance.now();
  const lap = (phase: keyof typeof timings, since: number) => (timings[phase] = performance.now() - since);

  let t = performance.now();
  await sql.unsafe(`
    insert into venues (id, name, category, ward_code, province_code, qr_code)
    select ${sqlId('aaaa0000', 'v')}, 'Địa điểm ' || v,
           (array[${CATEGORIES.map((c) => `'${c}'`).join(',')}])[1 + v % ${CATEGORIES.length}],
           lpad((v % 99999)::text, 5, '0'),
           (array[${PROVINCES.map((p) => `'${p}'`).join(',')}])[1 + v % ${PROVINCES.length}],
           'GEN-' || v
    from generate_series(0, ${venues - 1}) as v
    on conflict do nothing`);
  lap('venues', t);

  // Every day of the window has its partition before any row is written.
  t = performance.now();
  for (let day = utcDay(from).getTime(); day < to.getTime(); day += 86_400_000) {
    const lo = new Date(day).toISOString();
    const hi = new Date(day + 86_400_000).toISOString();
    await sql.unsafe(`create table if not exists ${partitionName(new Date(day))} partition of check_ins for values from ('${lo}') to ('${hi}')`);
  }
  lap('partitions', t);

  // Bulk load: keep the definitions, drop indexes and keys, insert, re-create.
  const indexes = await sql<Array<{ name: string; def: string }>>`
    select i.relname as name, pg_get_indexdef(i.oid) as def
    from pg_index x join pg_class i on i.oid = x.indexrelid
    where x.indrelid = 'check_ins'::regclass and not x.indisprimary`;
  const keys = await sql<Array<{ name: string; def: string; type: 'p' | 'f' }>>`
    select conname as name, pg_get_constraintdef(oid) as def, contype as type
    from pg_constraint where conrelid = 'check_ins'::regclass and contype in ('p', 'f')`;
  for (const index of indexes) await sql.unsafe(`drop index ${index.name}`);
  for (const key of keys) await sql.unsafe(`alter table check_ins drop constraint ${key.name}`);

  const url = connectionUrl(sql);
  const workers = Array.from({ length: 2 }, () => postgres(url, { max: 1, onnotice: () => {} }));
  try {
    for (const worker of workers) await worker.unsafe(`set synchronous_commit = off; set maintenance_work_mem = '256MB'`);
    t = performance.now();
    try {
      // Two connections (two cores), each inserting half of the check-ins.
      const perWorker = Math.ceil(checkIns / workers.length);
      await Promise.all(
        workers.map(async (worker, w) => {
          await worker.unsafe(`select setseed(${(seed + w / 10) % 1})`);
          const first = w * perWorker;
          const last = Math.min(checkIns, first + perWorker) - 1;
          await worker.unsafe(`
            insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at)
            select ${sqlId('cccc0000', 't.i')},
                   ${sqlId('bbbb0000', `floor(random() * ${people})::bigint`)},
                   ${sqlId('aaaa0000', `floor(${venues} * random() ^ 3)::bigint`)},
                   t.at,
                   case when random() < ${openShare} then null
                        else t.at + (15 + floor(random() * 166)) * interval '1 minute' end
            -- A subquery with a volatile function is not flattened: one random time per row, used twice.
            from (
              select i, '${from.toISOString()}'::timestamptz + floor(random() * ${days * 86_400}) * interval '1 second' as at
              from generate_series(${first}, ${last}) as i
            ) as t`);
        }),
      );
    } finally {
      lap('insert', t);
    }

    // Re-create them as pg_dump does, so that the two connections share the work: each index on
    // check_ins alone first ("ON ONLY": not valid until every partition's is attached), then
    // every partition's own, attached; foreign keys per partition (validated in parallel), then
    // on check_ins, which adopts them.
    t = performance.now();
    const pk = keys.find((k) => k.type === 'p');
    const fks = keys.filter((k) => k.type === 'f');
    if (pk) await sql.unsafe(`alter table only check_ins add constraint ${pk.name} ${pk.def}`);
    for (const index of indexes) await sql.unsafe(index.def);
    const partitions = await sql<Array<{ name: string }>>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'check_ins'::regclass order by pg_relation_size(c.oid) desc`;
    const queue = partitions.map((p) => p.name);
    await Promise.all(
      workers.map(async (worker) => {
        for (let partition = queue.shift(); partition; partition = queue.shift()) {
          const own = (name: string) => name.replace(/^check_ins/, partition);
          if (pk) {
            await worker.unsafe(`alter table only ${partition} add constraint ${own(pk.name)} ${pk.def}`);
            await worker.unsafe(`alter index ${pk.name} attach partition ${own(pk.name)}`);
          }
          for (const index of indexes) {
            await worker.unsafe(index.def.replace(` ${index.name} ON ONLY public.check_ins `, ` ${own(index.name)} ON public.${partition} `));
            await worker.unsafe(`alter index ${index.name} attach partition ${own(index.name)}`);
          }
          for (const fk of fks) {
            await worker.unsafe(`alter table only ${partition} add constraint ${fk.name} ${fk.def} not valid`);
            await worker.unsafe(`alter table ${partition} validate constraint ${fk.name}`);
          }
        }
      }),
    );
    for (const fk of fks) await sql.unsafe(`alter table check_ins add constraint ${fk.name} ${fk.def}`);
    lap('indexes', t);

    // What autovacuum does to a day's partition once it is written: VACUUM (the visibility map
    // makes the exposure search's index-only scans need no heap visits) and ANALYZE. Like
    // autovacuum, it leaves check_ins itself (statistics of the whole partitioned table) alone.
    t = performance.now();
    const toVacuum = partitions.map((p) => p.name);
    await Promise.all(
      workers.map(async (worker) => {
        for (let partition = toVacuum.shift(); partition; partition = toVacuum.shift()) await worker.unsafe(`vacuum (analyze) ${partition}`);
      }),
    );
    await sql.unsafe('vacuum (analyze) venues');
    lap('vacuum', t);
  } finally {
    await Promise.all(workers.map((worker) => worker.end()));
  }
  timings.total = performance.now() - started;
  return { people, venues, checkIns, from, to, timings };
}

/**
 * The URL a postgres.js client was made with (to open a second connection to the same database).
 * A Unix socket's directory (the embedded server's, `?host=/tmp`) goes back into `host`, libpq's
 * form, which the patched postgres.js reads.
 */
function connectionUrl(sql: postgres.Sql): string {
  const o = sql.options as unknown as { host: string[]; port: number[]; user: string; pass?: string | null; database: string };
  const auth = o.pass ? `${encodeURIComponent(o.user)}:${encodeURIComponent(o.pass)}` : encodeURIComponent(o.user);
  const host = o.host[0]!;
  if (host.startsWith('/')) return `postgres://${auth}@localhost:${o.port[0]}/${o.database}?host=${encodeURIComponent(host)}`;
  return `postgres://${auth}@${host}:${o.port[0]}/${o.database}`;
}
