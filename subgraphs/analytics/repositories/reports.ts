import { sql } from 'drizzle-orm';
import type { AnalyticsDb } from '../db/models.ts';
import { ALL } from '../db/schema.ts';
import { LEVELS } from '../rollup.ts';
import { textArray } from '../../shared/sql.ts';

/**
 * One area's rollups: day → metric → value from `fromDay` to `toDay`, the levels' changes after
 * `toDay` summed, and the levels' totals (a level on a day is its total minus the changes after it).
 */
export interface AreaSeries {
  byDay: Map<string, Map<string, number>>;
  after: Map<string, number>;
  totals: Map<string, number>;
}

const emptySeries = (): AreaSeries => ({ byDay: new Map(), after: new Map(), totals: new Map() });

/** Reads of the rollups for reports, curves and Rt: an index range per area, never another subgraph's data. */
export class ReportRepository {
  constructor(private readonly db: AnalyticsDb) {}

  /**
   * The nation (`province` null) or one province, from `fromDay` to `toDay`; with `byWard` each of
   * the province's wards instead (key: ward code, `''` for events of unknown ward).
   */
  async series(province: string | null, fromDay: string, toDay: string, byWard = false): Promise<Map<string, AreaSeries>> {
    const p = province ?? ALL;
    const wardFilter = byWard ? sql`ward <> ${ALL}` : sql`ward = ${ALL}`;
    const levels = textArray(LEVELS);
    const [rows, after, totals] = await Promise.all([
      this.db.execute<{ ward: string; day: string; metric: string; value: string }>(sql`
        select ward, day::text as day, metric, value from daily_rollups where province = ${p} and ${wardFilter} and day between ${fromDay}::date and ${toDay}::date`),
      this.db.execute<{ ward: string; metric: string; value: string }>(sql`
        select ward, metric, sum(value) as value from daily_rollups where province = ${p} and ${wardFilter} and day > ${toDay}::date and metric = any(${levels}) group by ward, metric`),
      this.db.execute<{ ward: string; metric: string; value: string }>(sql`
        select ward, metric, value from rollup_totals where province = ${p} and ${wardFilter} and metric = any(${levels})`),
    ]);
    const areas = new Map<string, AreaSeries>();
    const area = (ward: string) => areas.get(ward) ?? (areas.set(ward, emptySeries()), areas.get(ward)!);
    for (const r of rows) {
      const series = area(r.ward);
      const day = series.byDay.get(r.day) ?? (series.byDay.set(r.day, new Map()), series.byDay.get(r.day)!);
      day.set(r.metric, Number(r.value));
    }
    for (const a of after) area(a.ward).after.set(a.metric, Number(a.value));
    for (const t of totals) area(t.ward).totals.set(t.metric, Number(t.value));
    if (!byWard && areas.size === 0) areas.set(ALL, emptySeries());
    return areas;
  }

  /** Day → the sum of the given metrics' values (each with its sign), from `from` to `to` inclusive, for the nation or a province. */
  async daily(province: string | null, from: string, to: string, metrics: Record<string, 1 | -1>): Promise<Map<string, number>> {
    const names = Object.keys(metrics);
    const rows = await this.db.execute<{ day: string; metric: string; value: string }>(sql`
      select day::text as day, metric, value from daily_rollups
      where province = ${province ?? ALL} and ward = ${ALL} and metric = any(${textArray(names)}) and day between ${from}::date and ${to}::date`);
    const out = new Map<string, number>();
    for (const r of rows) out.set(r.day, (out.get(r.day) ?? 0) + metrics[r.metric]! * Number(r.value));
    return out;
  }
}
