import { sql, type SQL } from 'drizzle-orm';

/** A transaction (or the database) of the vaccination subgraph: what the rollup statements run on. */
type Executor = { execute: <T extends Record<string, unknown>>(query: SQL) => Promise<T[]> };

/** The advisory lock that queues concurrent rollup refreshes (any constant of this subgraph's own). */
const ROLLUP_LOCK = 15_001;

/**
 * A person's status from their state columns (series, dose_numbers; schema.ts personStatus): the
 * status rule of products.ts `statusOf` on bits. Dose numbers 1..series are the primary series
 * (PARTIAL until each of them is there), any higher number a booster.
 */
const STATUS_OF_STATE = sql.raw(`case when bit_count((dose_numbers & ((1 << (series + 1)) - 2))::bit(32)) < series then 'PARTIAL'
            when (dose_numbers >> (series + 1)) <> 0 then 'BOOSTED' else 'FULL' end`);

/** The columns of person_status that placesFrom answers and the refresh writes, in this order. */
export const PERSON_STATUS_COLUMNS = sql.raw('person_id, status, ward_code, province_code, birth_year, series, first_dose_number, first_administered_at, dose_numbers, latest_administered_at');

/**
 * People's status rows (PERSON_STATUS_COLUMNS) from all their doses, as a query over `doses`, a
 * relation with the columns of the doses table: the first dose (lowest number, then earliest) and
 * its product's series, the dose numbers as bits, residence and birth year of the latest dose
 * (latest given, then latest recorded); the status from those (STATUS_OF_STATE).
 * CoverageRepository.rebuild uses it; the per-upload refresh (refreshRollups) brings the same rows
 * up to date from the new doses alone.
 */
export function placesFrom(doses: SQL): SQL {
  return sql`
    with first_dose as (
           select distinct on (d.person_id) d.person_id, d.dose_number as first_dose_number, d.administered_at as first_administered_at, p.doses_in_primary_series as series
           from ${doses} d join vaccine_products p on p.code = d.product_code
           order by d.person_id, d.dose_number, d.administered_at),
         latest as (
           select distinct on (person_id) person_id, ward_code, province_code, birth_year, administered_at as latest_administered_at
           from ${doses} d order by person_id, administered_at desc, recorded_at desc),
         numbers as (select person_id, bit_or(1 << dose_number) as dose_numbers from ${doses} n group by person_id),
         state as (select * from first_dose join numbers using (person_id) join latest using (person_id))
    select person_id, ${STATUS_OF_STATE} as status, ward_code, province_code, birth_year, series, first_dose_number, first_administered_at, dose_numbers, latest_administered_at
    from state`;
}

/**
 * Brings the status rows and the coverage counters up to date with the doses this transaction
 * just inserted (before it commits), in SQL, in two statements whatever their number. `newDoses`:
 * a relation of those doses with the columns of the doses table (the rows a COPY stored, or the
 * upload's temporary table), read once (a materialized CTE: the summary reads it three times).
 *
 * 1. One transaction-scoped advisory lock: a concurrent upload waits here until this one commits,
 *    so the next statement (a new snapshot) sees its rows. One lock, not one per person: 5,000
 *    people's locks per upload overflow PostgreSQL's lock table (max_locks_per_transaction ×
 *    max_connections, 6,400 on a default server) with two uploads at once, and concurrent uploads
 *    queue on the nationwide counter rows anyway, which every upload updates.
 * 2. One statement: each person's new doses summarised as placesFrom does, and merged with their
 *    status row (a new first dose when it comes before the stored one; the dose numbers added;
 *    the new place when the new latest dose is no earlier than the stored one, being recorded
 *    later), without reading their earlier doses; every such person's row upserted, and a person
 *    whose status or place changed moved in the counters (the old place leaves the nation,
 *    province and ward counters, the new one enters), the deltas summed by area and birth year
 *    and upserted in key order (concurrent uploads queue, not deadlock). A person counts once.
 */
export async function refreshRollups(tx: Executor, newDoses: SQL): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(ROLLUP_LOCK))})`);
  await tx.execute(sql`
    with new_doses as materialized (${newDoses}),
         fresh as (${placesFrom(sql`new_doses`)}),
         merged as (
           select f.person_id, b.person_id is not null as known,
                  b.status as old_status, b.ward_code as old_ward_code, b.province_code as old_province_code, b.birth_year as old_birth_year,
                  case when first_new then f.series else b.series end as series,
                  case when first_new then f.first_dose_number else b.first_dose_number end as first_dose_number,
                  case when first_new then f.first_administered_at else b.first_administered_at end as first_administered_at,
                  coalesce(b.dose_numbers, 0) | f.dose_numbers as dose_numbers,
                  case when latest_new then f.latest_administered_at else b.latest_administered_at end as latest_administered_at,
                  case when latest_new then f.ward_code else b.ward_code end as ward_code,
                  case when latest_new then f.province_code else b.province_code end as province_code,
                  case when latest_new then f.birth_year else b.birth_year end as birth_year
           from fresh f left join person_status b using (person_id)
           cross join lateral (select b.person_id is null or (f.first_dose_number, f.first_administered_at) < (b.first_dose_number, b.first_administered_at) as first_new,
                                      b.person_id is null or f.latest_administered_at >= b.latest_administered_at as latest_new) n),
         next as (select merged.*, ${STATUS_OF_STATE} as status from merged),
         written as (
           insert into person_status (${PERSON_STATUS_COLUMNS})
           select ${PERSON_STATUS_COLUMNS} from next order by person_id
           on conflict (person_id) do update set status = excluded.status, ward_code = excluded.ward_code,
             province_code = excluded.province_code, birth_year = excluded.birth_year, series = excluded.series,
             first_dose_number = excluded.first_dose_number, first_administered_at = excluded.first_administered_at,
             dose_numbers = excluded.dose_numbers, latest_administered_at = excluded.latest_administered_at, updated_at = now()),
         changed as (
           select * from next
           where not known or (old_status, old_ward_code, old_province_code, old_birth_year) is distinct from (status, ward_code, province_code, birth_year)),
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
