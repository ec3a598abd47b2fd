import { sql } from 'drizzle-orm';
import { textArray, uuidArray } from '../../shared/sql.ts';
import type { VaccinationStatus } from '../db/schema.ts';
import { statusOf } from '../products.ts';

/** A transaction (or the database) of the vaccination subgraph: what the rollup statements run on. */
type Executor = { execute: <T extends Record<string, unknown>>(query: ReturnType<typeof sql>) => Promise<T[]> };

interface Place {
  status: VaccinationStatus;
  wardCode: string;
  provinceCode: string;
  birthYear: number;
}

const PLACEHOLDER_YEAR = 0;

/** The areas a person counts in: nationwide, their province, their ward. */
const areasOf = (p: Place) => ['VN', p.provinceCode, p.wardCode];
const indicators = (status: VaccinationStatus) => [status === 'NONE' ? 0 : 1, status === 'FULL' || status === 'BOOSTED' ? 1 : 0, status === 'BOOSTED' ? 1 : 0] as const;

/**
 * Brings these people's status rows and the coverage counters up to date with their doses, inside
 * the caller's transaction, after their new doses were inserted. Five statements whatever the
 * number of people: create the missing status rows and lock them all, in person order so concurrent uploads
 * queue rather than deadlock; read their doses; upsert the changed counters (sorted, for the same
 * reason); write the status rows. A person counts once: their old place and status leave the
 * counters, the new ones enter. Residence and birth year are the latest dose's.
 */
export async function refreshRollups(tx: Executor, personIds: readonly string[]): Promise<void> {
  const people = [...new Set(personIds)].sort();
  if (people.length === 0) return;
  // A person seen for the first time gets a placeholder row (birth year 0: not counted anywhere) to
  // lock; a concurrent upload's placeholder makes this insert wait for its commit. Two statements,
  // so the lock below sees rows that concurrent uploads committed meanwhile.
  await tx.execute(sql`
    insert into person_status (person_id, status, ward_code, province_code, birth_year)
    select p, 'PARTIAL', '00000', '00', ${PLACEHOLDER_YEAR} from unnest(${uuidArray(people)}) as p order by p
    on conflict (person_id) do nothing`);
  const locked = await tx.execute<{ person_id: string; status: VaccinationStatus; ward_code: string; province_code: string; birth_year: number }>(sql`
    select person_id, status, ward_code, province_code, birth_year from person_status
    where person_id = any(${uuidArray(people)}) order by person_id for update`);
  const counted = new Map(
    locked.filter((r) => r.birth_year !== PLACEHOLDER_YEAR).map((r) => [r.person_id, { status: r.status, wardCode: r.ward_code, provinceCode: r.province_code, birthYear: r.birth_year }]),
  );
  const doses = await tx.execute<{ person_id: string; product_code: string; dose_number: number; administered_at: string; ward_code: string; province_code: string; birth_year: number; series: number }>(sql`
    select d.person_id, d.product_code, d.dose_number, d.administered_at, d.ward_code, d.province_code, d.birth_year, p.doses_in_primary_series as series
    from doses d join vaccine_products p on p.code = d.product_code
    where d.person_id = any(${uuidArray(people)})
    order by d.person_id, d.administered_at, d.recorded_at`);
  const byPerson = new Map<string, typeof doses>();
  for (const d of doses) byPerson.set(d.person_id, [...(byPerson.get(d.person_id) ?? []), d]);
  const series = new Map(doses.map((d) => [d.product_code, d.series]));

  const deltas = new Map<string, [number, number, number]>();
  const add = (place: Place, sign: 1 | -1) => {
    const values = indicators(place.status);
    for (const area of areasOf(place)) {
      const key = `${area}|${place.birthYear}`;
      const delta = deltas.get(key) ?? [0, 0, 0];
      for (let i = 0; i < 3; i++) delta[i]! += sign * values[i]!;
      deltas.set(key, delta);
    }
  };
  const updated: Array<{ personId: string } & Place> = [];
  for (const personId of people) {
    const own = byPerson.get(personId) ?? [];
    const latest = own[own.length - 1];
    if (!latest) continue;
    const next: Place = {
      status: statusOf(own.map((d) => ({ productCode: d.product_code, doseNumber: d.dose_number, administeredAt: new Date(d.administered_at) })), (code) => series.get(code) ?? 1),
      wardCode: latest.ward_code,
      provinceCode: latest.province_code,
      birthYear: latest.birth_year,
    };
    const before = counted.get(personId);
    if (before && before.status === next.status && before.wardCode === next.wardCode && before.birthYear === next.birthYear) continue;
    if (before) add(before, -1);
    add(next, 1);
    updated.push({ personId, ...next });
  }

  const changes = [...deltas.entries()].filter(([, d]) => d.some((v) => v !== 0)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (changes.length) {
    const keys = changes.map(([k]) => k.split('|'));
    await tx.execute(sql`
      insert into coverage_counts (area, birth_year, at_least_one_dose, "full", boosted)
      select * from unnest(${textArray(keys.map((k) => k[0]!))}, ${sql.param(keys.map((k) => Number(k[1])))}::smallint[],
                           ${sql.param(changes.map(([, d]) => d[0]))}::bigint[], ${sql.param(changes.map(([, d]) => d[1]))}::bigint[], ${sql.param(changes.map(([, d]) => d[2]))}::bigint[])
      on conflict (area, birth_year) do update set
        at_least_one_dose = coverage_counts.at_least_one_dose + excluded.at_least_one_dose,
        "full" = coverage_counts."full" + excluded."full",
        boosted = coverage_counts.boosted + excluded.boosted`);
  }
  if (updated.length) {
    await tx.execute(sql`
      update person_status s set status = u.status, ward_code = u.ward_code, province_code = u.province_code, birth_year = u.birth_year, updated_at = now()
      from unnest(${uuidArray(updated.map((u) => u.personId))}, ${textArray(updated.map((u) => u.status))}, ${textArray(updated.map((u) => u.wardCode))},
                  ${textArray(updated.map((u) => u.provinceCode))}, ${sql.param(updated.map((u) => u.birthYear))}::smallint[])
           as u(person_id, status, ward_code, province_code, birth_year)
      where s.person_id = u.person_id`);
  }
}
