import { sql } from 'drizzle-orm';
import type { VaccinationDb } from '../db/models.ts';
import { PERSON_STATUS_COLUMNS, placesFrom } from './rollups.ts';

export interface CoverageCounts {
  atLeastOneDose: number;
  full: number;
  boosted: number;
}

/**
 * Reads the coverage counters (kept by rollups.ts): one index range read of `coverage_counts`
 * (area, birth year), never a scan of doses. Birth years from `fromYear` to `toYear` (inclusive;
 * null: unbounded).
 */
export class CoverageRepository {
  constructor(private readonly db: VaccinationDb) {}

  async of(area: string, fromYear: number | null, toYear: number | null): Promise<CoverageCounts> {
    const [row] = await this.db.execute<{ at_least_one_dose: string | null; full: string | null; boosted: string | null }>(sql`
      select sum(at_least_one_dose) as at_least_one_dose, sum("full") as "full", sum(boosted) as boosted
      from coverage_counts
      where area = ${area} ${fromYear === null ? sql`` : sql`and birth_year >= ${fromYear}`} ${toYear === null ? sql`` : sql`and birth_year <= ${toYear}`}`);
    return { atLeastOneDose: Number(row?.at_least_one_dose ?? 0), full: Number(row?.full ?? 0), boosted: Number(row?.boosted ?? 0) };
  }

  /**
   * Rebuilds every status row and counter from the doses, in SQL, in one transaction: after doses
   * were loaded in bulk (COPY, a restore) without the per-upload rollups. Places by rollups.ts
   * `placesFrom`, the SQL of the per-upload refresh. Uploads wait for it (the tables are locked).
   */
  async rebuild(): Promise<{ people: number; counters: number }> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`lock table person_status, coverage_counts in exclusive mode`);
      await tx.execute(sql`truncate person_status, coverage_counts`);
      const people = await tx.execute(sql`insert into person_status (${PERSON_STATUS_COLUMNS}) ${placesFrom(sql`doses`)}`);
      const counters = await tx.execute(sql`
        insert into coverage_counts (area, birth_year, at_least_one_dose, "full", boosted)
        select a.area, s.birth_year, count(*), count(*) filter (where s.status in ('FULL', 'BOOSTED')), count(*) filter (where s.status = 'BOOSTED')
        from person_status s cross join lateral (values ('VN'), (s.province_code), (s.ward_code)) as a(area)
        group by a.area, s.birth_year`);
      return { people: people.count, counters: counters.count };
    });
  }
}
