import { sql, type SQL } from 'drizzle-orm';

/** A transaction (or the database) of the vaccination subgraph: what the rollup statements run on. */
type Executor = { execute: <T extends Record<string, unknown>>(query: SQL) => Promise<T[]> };

/** The advisory lock that queues concurrent rollup refreshes (any constant of this subgraph's own). */
const ROLLUP_LOCK = 15_001;

/**
 * People's places from their doses, as a query of (person_id, status, ward_code, province_code,
 * birth_year) over `doses`, a relation with the columns of the doses table: the status rule of
 * products.ts `statusOf` written as set operations (the series of the first dose's product, lowest
 * number then earliest; distinct primary dose numbers; any number beyond it), residence and birth
 * year of the latest dose. Both the per-upload refresh and CoverageRepository.rebuild use it.
 */
export function placesFrom(doses: SQL): SQL {
  return sql`
    with first_dose as (
           select distinct on (d.person_id) d.person_id, p.doses_in_primary_series as series
           from ${doses} d join vaccine_products p on p.code = d.product_code
           order by d.person_id, d.dose_number, d.administered_at),
         latest as (
           select distinct on (person_id) person_id, ward_code, province_code, birth_year
           from ${doses} d order by person_id, administered_at desc, recorded_at desc),
         counted as (
           select d.person_id, f.series,
                  count(distinct d.dose_number) filter (where d.dose_number <= f.series) as primary_doses,
                  bool_or(d.dose_number > f.series) as beyond
           from ${doses} d join first_dose f using (person_id) group by d.person_id, f.series)
    select c.person_id, case when c.primary_doses < c.series then 'PARTIAL' when c.beyond then 'BOOSTED' else 'FULL' end as status,
           l.ward_code, l.province_code, l.birth_year
    from counted c join latest l using (person_id)`;
}

/**
 * Brings the status rows and the coverage counters up to date for the people whose doses this
 * transaction just inserted (before it commits), in SQL, in two statements whatever their number.
 * `people`: a uuid[] expression of those people (e.g. read from the upload's temporary table).
 *
 * 1. One transaction-scoped advisory lock: a concurrent upload waits here until this one commits,
 *    so the next statement (a new snapshot) sees its doses and rows. One lock, not one per person:
 *    5,000 people's locks per upload overflow PostgreSQL's lock table (max_locks_per_transaction ×
 *    max_connections, 6,400 on a default server) with two uploads at once, and concurrent uploads
 *    queue on the nationwide counter rows anyway, which every upload updates.
 * 2. One statement: each person's place recomputed from all their doses (placesFrom), compared
 *    with their status row; a changed person's row upserted and their counts moved (the old place
 *    leaves the nation, province and ward counters, the new one enters), the counter deltas summed
 *    by area and birth year and upserted in key order (concurrent uploads queue, not deadlock).
 *    A person counts once.
 */
export async function refreshRollups(tx: Executor, people: SQL): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(ROLLUP_LOCK))})`);
  await tx.execute(sql`
    with mine as materialized (
           select person_id, product_code, dose_number, administered_at, recorded_at, ward_code, province_code, birth_year
           from doses where person_id = any(${people})),
         next as (${placesFrom(sql`mine`)}),
         changed as (
           select n.person_id, n.status, n.ward_code, n.province_code, n.birth_year,
                  b.person_id is not null as known, b.status as old_status, b.ward_code as old_ward_code,
                  b.province_code as old_province_code, b.birth_year as old_birth_year
           from next n left join person_status b using (person_id)
           where b.person_id is null
              or (b.status, b.ward_code, b.province_code, b.birth_year) is distinct from (n.status, n.ward_code, n.province_code, n.birth_year)),
         written as (
           insert into person_status (person_id, status, ward_code, province_code, birth_year)
           select person_id, status, ward_code, province_code, birth_year from changed order by person_id
           on conflict (person_id) do update set status = excluded.status, ward_code = excluded.ward_code,
             province_code = excluded.province_code, birth_year = excluded.birth_year, updated_at = now()),
         moves as (
           select status, ward_code, province_code, birth_year, 1 as sign from changed
           union all
           select old_status, old_ward_code, old_province_code, old_birth_year, -1 from changed where known),
         deltas as (
           select a.area, m.birth_year,
                  sum(m.sign) as at_least_one_dose,
                  sum(m.sign) filter (where m.status in ('FULL', 'BOOSTED')) as "full",
                  sum(m.sign) filter (where m.status = 'BOOSTED') as boosted
           from moves m cross join lateral (values ('VN'), (m.province_code), (m.ward_code)) as a(area)
           group by a.area, m.birth_year)
    insert into coverage_counts (area, birth_year, at_least_one_dose, "full", boosted)
    select area, birth_year, at_least_one_dose, coalesce("full", 0), coalesce(boosted, 0) from deltas
    where at_least_one_dose <> 0 or coalesce("full", 0) <> 0 or coalesce(boosted, 0) <> 0
    order by area, birth_year
    on conflict (area, birth_year) do update set
      at_least_one_dose = coverage_counts.at_least_one_dose + excluded.at_least_one_dose,
      "full" = coverage_counts."full" + excluded."full",
      boosted = coverage_counts.boosted + excluded.boosted`);
}
