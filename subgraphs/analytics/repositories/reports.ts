import { sql } from 'drizzle-orm';
import type { AnalyticsDb } from '../db/models.ts';
import { ALL } from '../db/schema.ts';
import { LEVELS } from '../rollup.ts';
import { textArray } from '../../shared/sql.ts';

/** One area's rollups: day → metric → value from `fromDay` on (later days included), and the levels' totals. */
export interface AreaSeries {
  byDay: Map<string, Map<string, number>>;
  totals: Map<string, number>;
}

const emptySeries = (): AreaSeries => ({ byDay: new Map(), totals: new Map() });

/** Reads of the rollups for reports, curves and Rt: an index range per area, never another subgraph's data. */
export class ReportRepository {
  constructor(private readonly db: AnalyticsDb) {}

  /**
   * The nation (`province` null) or one province, from `fromDay` on; with `byWard` each of the
   * province's wards instead (key: ward code, `''` for events of unknown ward).
   */
  async series(province: string | null, fromDay: string, byWard = false): Promise<Map<string, AreaSeries>> {
    const p = province ?? ALL;
    const wardFilter = byWard ? sql`ward <> ${ALL}` : sql`ward = ${ALL}`;
    const [rows, totals] = await Promise.all([
      this.db.execute<{ ward: string; day: string; metric: string; value: string }>(sql`
        select ward, day::text as day, metric, value from daily_rollups where province = ${p} and ${wardFilter} and day >= ${fromDay}::date`),
      this.db.execute<{ ward: string; metric: string; value: string }>(sql`
        select ward, metric, value from rollup_totals where province = ${p} and ${wardFilter} and metric = any(${textArray(LEVELS)})`),
    ]);
    const areas = new Map<string, AreaSeries>();
    const area = (ward: string) => areas.get(ward) ?? (areas.set(ward, emptySeries()), areas.get(ward)!);
    for (const r of rows) {
      const series = area(r.ward);
      const day = series.byDay.get(r.day) ?? (series.byDay.set(r.day, new Map()), series.byDay.get(r.day)!);
      day.set(r.metric, Number(r.value));
    }
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

  /**
   * Each province's net confirmed cases (`metrics` with their signs) in two spans, [from, mid) and
   * [mid, to]: one index range over the provinces' whole-province rows.
   */
  async byProvinceInTwoSpans(from: string, mid: string, to: string, metrics: Record<string, 1 | -1>): Promise<Array<{ province: string; before: number; after: number }>> {
    const rows = await this.db.execute<{ province: string; metric: string; after: boolean; value: string }>(sql`
      select province, metric, day >= ${mid}::date as after, sum(value)::bigint as value from daily_rollups
      where ward = ${ALL} and province not in (${ALL}, '') and metric = any(${textArray(Object.keys(metrics))}) and day between ${from}::date and ${to}::date
      group by 1, 2, 3`);
    const out = new Map<string, { province: string; before: number; after: number }>();
    for (const r of rows) {
      const entry = out.get(r.province) ?? (out.set(r.province, { province: r.province, before: 0, after: 0 }), out.get(r.province)!);
      entry[r.after ? 'after' : 'before'] += metrics[r.metric]! * Number(r.value);
    }
    return [...out.values()];
  }
}
