import { sql } from 'drizzle-orm';
import type { VaccinationDb } from '../db/models.ts';

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
}
