import { sql } from 'drizzle-orm';
import type { AnalyticsDb } from '../db/models.ts';
import { ALL } from '../db/schema.ts';
import { LEVELS } from '../rollup.ts';
import { addDays } from '../report.ts';
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

/** Adds a value to a day (`YYYY-MM-DD`), to the later changes (`after`) or to the totals (`total`). */
function add(series: AreaSeries, where: string, metric: string, value: number): void {
  if (where === 'after') series.after.set(metric, value);
  else if (where === 'total') series.totals.set(metric, value);
  else (series.byDay.get(where) ?? (series.byDay.set(where, new Map()), series.byDay.get(where)!)).set(metric, value);
}

/** Reads of the rollups for reports, curves and Rt: an index range per area, never another subgraph's data. */
export class ReportRepository {
  constructor(private readonly db: AnalyticsDb) {}

  /**
   * The nation (`province` null) or one province, from `fromDay` to `toDay`. One statement, so one
   * snapshot: the days, the later changes and the totals agree while events keep arriving.
   */
  async series(province: string | null, fromDay: string, toDay: string): Promise<AreaSeries> {
    const p = province ?? ALL;
    const levels = textArray(LEVELS);
    const rows = await this.db.execute<{ kind: 'day' | 'after' | 'total'; day: string | null; metric: string; value: string }>(sql`
      select 'day' as kind, day::text as day, metric, value from daily_rollups
      where province = ${p} and ward = ${ALL} and day between ${fromDay}::date and ${toDay}::date
      union all
      select 'after', null, metric, sum(value) from daily_rollups
      where province = ${p} and ward = ${ALL} and day > ${toDay}::date and metric = any(${levels}) group by metric
      union all
      select 'total', null, metric, value from rollup_totals where province = ${p} and ward = ${ALL} and metric = any(${levels})`);
    const series = emptySeries();
    for (const r of rows) add(series, r.kind === 'day' ? r.day! : r.kind, r.metric, Number(r.value));
    return series;
  }

  /**
   * A province's wards, each as a compact series that holds exactly what a ward's figures on `day`
   * and on the day before read (AreaFigures.at): the two days' values, the 11 days before them as one
   * lump on day − 2, and day − 14 (active cases over 14 days), summed in SQL so that a hundred wards
   * cost a hundred rows per metric, not fifteen. Key: the ward code, `''` for events of unknown
   * ward. One statement, one snapshot.
   */
  async wardSeries(province: string, day: string): Promise<Map<string, AreaSeries>> {
    const levels = textArray(LEVELS);
    const rows = await this.db.execute<{ ward: string; kind: string; metric: string; value: string }>(sql`
      select ward, k.kind, metric, k.value from (
        select ward, metric,
               sum(value) filter (where day = ${day}::date) as d0,
               sum(value) filter (where day = ${day}::date - 1) as d1,
               sum(value) filter (where day between ${day}::date - 13 and ${day}::date - 2) as lump,
               sum(value) filter (where day = ${day}::date - 14) as d14
        from daily_rollups where province = ${province} and ward <> ${ALL} and day between ${day}::date - 14 and ${day}::date
        group by ward, metric
      ) w, lateral (values ('d0', d0), ('d1', d1), ('lump', lump), ('d14', d14)) as k(kind, value)
      where k.value is not null
      union all
      select ward, 'after', metric, sum(value) from daily_rollups
      where province = ${province} and ward <> ${ALL} and day > ${day}::date and metric = any(${levels}) group by ward, metric
      union all
      select ward, 'total', metric, value from rollup_totals where province = ${province} and ward <> ${ALL} and metric = any(${levels})`);
    const dayOf: Record<string, string> = { d0: day, d1: addDays(day, -1), lump: addDays(day, -2), d14: addDays(day, -14), after: 'after', total: 'total' };
    const areas = new Map<string, AreaSeries>();
    for (const r of rows) {
      const series = areas.get(r.ward) ?? (areas.set(r.ward, emptySeries()), areas.get(r.ward)!);
      add(series, dayOf[r.kind]!, r.metric, Number(r.value));
    }
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
