import { and, asc, gte, lt, sql } from 'drizzle-orm';
import { textArray, uuidArray } from '../../shared/sql.ts';
import type { TestingDb, TestResultRow } from '../db/models.ts';
import { testResults } from '../db/schema.ts';
import type { Page } from '../validation.ts';

/** A testing site, by its key in the province shards. */
export interface SiteKey {
  provinceCode: string;
  id: string;
}

/** A site's results of one day, counted by outcome. */
export interface SiteDaySummary extends SiteKey {
  total: number;
  positive: number;
  negative: number;
  inconclusive: number;
  invalid: number;
  retestRequired: number;
}

/** The instants a Vietnam day (UTC+7, no daylight saving) spans: [start, end). */
export function vietnamDay(date: string): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00+07:00`);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** The sites among these (their ids, any province) as one predicate on test_results; ids are checked UUIDs. */
const atSites = (sites: readonly SiteKey[]) =>
  sql`(${testResults.siteId}, ${testResults.siteProvinceCode}) in (select * from unnest(${uuidArray(sites.map((s) => s.id))}, ${textArray(sites.map((s) => s.provinceCode))}))`;

/**
 * Reads of test results by testing site and day (index test_results_site_collected_idx): what a
 * site's staff and its province's officials look at. Who may ask is decided before (reader.ts).
 */
export class SiteResultRepository {
  constructor(private readonly db: TestingDb) {}

  /** Results of samples collected at these sites on the day, in order of collection: a page of each site's list. */
  async ofDay(sites: readonly SiteKey[], date: string, page: Page): Promise<TestResultRow[]> {
    const { start, end } = vietnamDay(date);
    const ofTheDay = and(atSites(sites), gte(testResults.collectedAt, start), lt(testResults.collectedAt, end));
    const inPage = sql`${testResults.id} in (
      select id from (
        select id, row_number() over (partition by site_province_code, site_id order by collected_at, id) as n from ${testResults} where ${ofTheDay}) ranked
      where n > ${page.offset} and n <= ${page.offset + page.limit})`;
    return this.db
      .select()
      .from(testResults)
      .where(and(ofTheDay, inPage))
      .orderBy(asc(testResults.collectedAt), asc(testResults.id));
  }

  /** Counts by outcome of the same rows as `ofDay`; a site without results has no row. */
  async summaryOfDay(sites: readonly SiteKey[], date: string): Promise<SiteDaySummary[]> {
    const { start, end } = vietnamDay(date);
    const rows = await this.db.execute<{ site_province_code: string; site_id: string; total: number; positive: number; negative: number; inconclusive: number; invalid: number; retest: number }>(sql`
      select site_province_code, site_id, count(*)::int as total,
             (count(*) filter (where result = 'POSITIVE'))::int as positive,
             (count(*) filter (where result = 'NEGATIVE'))::int as negative,
             (count(*) filter (where result = 'INCONCLUSIVE'))::int as inconclusive,
             (count(*) filter (where result = 'INVALID'))::int as invalid,
             (count(*) filter (where retest_required))::int as retest
      from ${testResults}
      where ${atSites(sites)} and collected_at >= ${start.toISOString()}::timestamptz and collected_at < ${end.toISOString()}::timestamptz
      group by site_province_code, site_id`);
    return rows.map((r) => ({
      provinceCode: r.site_province_code,
      id: r.site_id,
      total: r.total,
      positive: r.positive,
      negative: r.negative,
      inconclusive: r.inconclusive,
      invalid: r.invalid,
      retestRequired: r.retest,
    }));
  }

  /**
   * Whether a province official of these provinces may see something of the person here: a result
   * of a sample taken at a site of theirs, or a test scheduled for a contact living there.
   */
  async personSeenIn(personId: string, provinces: readonly string[]): Promise<boolean> {
    const [row] = await this.db.execute<{ seen: boolean }>(sql`
      select exists (select 1 from test_results where person_id = ${personId}::uuid and site_province_code = any(${textArray(provinces)}))
          or exists (select 1 from test_schedules where person_id = ${personId}::uuid and home_province_code = any(${textArray(provinces)})) as seen`);
    return row?.seen === true;
  }
}
