import { sql } from 'drizzle-orm';
import { textArray, uuidArray } from '../../shared/sql.ts';
import type { VaccinationStatus } from '../db/schema.ts';
import { statusOf, type SeriesDose } from '../products.ts';

/** A transaction (or the database) of the vaccination subgraph: what the rollup statements run on. */
type Executor = { execute: <T extends Record<string, unknown>>(query: ReturnType<typeof sql>) => Promise<T[]> };

interface Place {
  status: VaccinationStatus;
  wardCode: string;
  provinceCode: string;
  birthYear: number;
}

/** A dose as the rollups need it (a row just inserted, or one read back). */
export interface RollupDose extends SeriesDose {
  personId: string;
  wardCode: string;
  provinceCode: string;
  birthYear: number;
}

/** The areas a person counts in: nationwide, their province, their ward. */
const areasOf = (p: Place) => ['VN', p.provinceCode, p.wardCode];
const indicators = (status: VaccinationStatus) => [status === 'NONE' ? 0 : 1, status === 'FULL' || status === 'BOOSTED' ? 1 : 0, status === 'BOOSTED' ? 1 : 0] as const;

/** A person's place from their doses, oldest first: status by the rule, residence and birth year of the latest. */
function placeOf(doses: readonly RollupDose[], series: ReadonlyMap<string, number>): Place {
  const latest = doses[doses.length - 1]!;
  return { status: statusOf(doses, (code) => series.get(code) ?? 1), wardCode: latest.wardCode, provinceCode: latest.provinceCode, birthYear: latest.birthYear };
}

const byTime = (a: RollupDose, b: RollupDose) => a.administeredAt.getTime() - b.administeredAt.getTime();

/**
 * Brings the status rows and the coverage counters up to date with the doses this transaction just
 * inserted (before it commits). A person counts once: their old place and status leave the
 * counters, the new ones enter.
 *
 * People seen for the first time (most of a campaign's first doses) take one statement: their
 * status rows are inserted from this upload's doses alone, which are all their doses (every
 * upload that stores a person's dose writes their status row in the same transaction, and a
 * concurrent upload's uncommitted row makes this insert wait for it). The others are locked, in
 * person order so concurrent uploads queue rather than deadlock, their doses read back, and their
 * rows updated; then the changed counters are upserted, sorted for the same reason. At most six
 * statements whatever the number of people.
 */
export async function refreshRollups(tx: Executor, inserted: readonly RollupDose[]): Promise<void> {
  if (inserted.length === 0) return;
  const series = new Map((await tx.execute<{ code: string; n: number }>(sql`select code, doses_in_primary_series as n from vaccine_products`)).map((r) => [r.code, r.n]));
  const batchOf = new Map<string, RollupDose[]>();
  for (const d of inserted) batchOf.set(d.personId, [...(batchOf.get(d.personId) ?? []), d]);
  const people = [...batchOf.keys()].sort();
  const firstPlaces = people.map((personId) => ({ personId, ...placeOf([...batchOf.get(personId)!].sort(byTime), series) }));

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

  const created = new Set(
    (
      await tx.execute<{ person_id: string }>(sql`
        insert into person_status (person_id, status, ward_code, province_code, birth_year)
        select * from unnest(${uuidArray(people)}, ${textArray(firstPlaces.map((p) => p.status))}, ${textArray(firstPlaces.map((p) => p.wardCode))},
                             ${textArray(firstPlaces.map((p) => p.provinceCode))}, ${sql.param(firstPlaces.map((p) => p.birthYear))}::smallint[]) as u
        order by 1
        on conflict (person_id) do nothing
        returning person_id`)
    ).map((r) => r.person_id),
  );
  for (const place of firstPlaces) if (created.has(place.personId)) add(place, 1);

  const known = people.filter((p) => !created.has(p));
  const updated: Array<{ personId: string } & Place> = [];
  if (known.length) {
    const locked = await tx.execute<{ person_id: string; status: VaccinationStatus; ward_code: string; province_code: string; birth_year: number }>(sql`
      select person_id, status, ward_code, province_code, birth_year from person_status
      where person_id = any(${uuidArray(known)}) order by person_id for update`);
    const doses = await tx.execute<{ person_id: string; product_code: string; dose_number: number; administered_at: string | Date; ward_code: string; province_code: string; birth_year: number }>(sql`
      select person_id, product_code, dose_number, administered_at, ward_code, province_code, birth_year from doses
      where person_id = any(${uuidArray(known)}) order by person_id, administered_at, recorded_at`);
    const dosesOf = new Map<string, RollupDose[]>();
    for (const d of doses) {
      const dose = { personId: d.person_id, productCode: d.product_code, doseNumber: d.dose_number, administeredAt: new Date(d.administered_at), wardCode: d.ward_code, provinceCode: d.province_code, birthYear: d.birth_year };
      dosesOf.set(d.person_id, [...(dosesOf.get(d.person_id) ?? []), dose]);
    }
    for (const row of locked) {
      const before: Place = { status: row.status, wardCode: row.ward_code, provinceCode: row.province_code, birthYear: row.birth_year };
      const next = placeOf(dosesOf.get(row.person_id)!, series);
      if (before.status === next.status && before.wardCode === next.wardCode && before.birthYear === next.birthYear) continue;
      add(before, -1);
      add(next, 1);
      updated.push({ personId: row.person_id, ...next });
    }
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
