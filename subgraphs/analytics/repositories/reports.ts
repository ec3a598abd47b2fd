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

/** Each metric of `a` minus the same of `b` (absent: 0), the zeros left out. */
function minus(a: Record<string, number> | null, b: Record<string, number> | null): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [metric, value] of Object.entries(b ?? {})) out[metric] = (out[metric] ?? 0) - value;
  for (const metric of Object.keys(out)) if (out[metric] === 0) delete out[metric];
  return out;
}

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
   * A province's wards (key: the ward code, `''` for events of unknown ward), each as a compact
   * series that holds exactly what a ward's figures on `day` and on the day before read
   * (AreaFigures.at): the counts of those two days; as totals, the levels at the end of `day`; and
   * the levels' changes (cases among them) over the 12 days before as one lump on day − 2 and on
   * day − 14, from the levels' running values at the end of day − 2, − 14 and − 15. Each ward is six
   * probes of its primary key, one row each, whatever the length of its history; the wards
   * themselves are found by skipping through the key (PostgreSQL has no skip scan). A ward with no
   * row up to `day` is left out. One statement, one snapshot.
   */
  async wardSeries(province: string, day: string): Promise<Map<string, AreaSeries>> {
    type Counts = Record<string, number> | null;
    const rows = await this.db.execute<{ ward: string; d0: Counts; d1: Counts; r0: Counts; r2: Counts; r14: Counts; r15: Counts }>(sql`
      with recursive wards (ward) as (
        (select ward from ward_days where province = ${province} order by ward limit 1)
        union all
        select (select d.ward from ward_days d where d.province = ${province} and d.ward > w.ward order by d.ward limit 1) from wards w where w.ward is not null
      )
      select * from (
        select w.ward,
          (select counts from ward_days where province = ${province} and ward = w.ward and day = ${day}::date) as d0,
          (select counts from ward_days where province = ${province} and ward = w.ward and day = ${day}::date - 1) as d1,
          ${sql.join(
            [0, 2, 14, 15].map((n) => sql`(select running from ward_days where province = ${province} and ward = w.ward and day <= ${day}::date - ${sql.raw(String(n))} order by day desc limit 1) as ${sql.raw(`r${n}`)}`),
            sql`, `,
          )}
        from wards w where w.ward is not null
      ) r where r0 is not null`);
    const [d1, d2, d14] = [addDays(day, -1), addDays(day, -2), addDays(day, -14)];
    const areas = new Map<string, AreaSeries>();
    for (const r of rows) {
      const series = emptySeries();
      for (const [d, counts] of [[day, r.d0], [d1, r.d1], [d2, minus(r.r2, r.r14)], [d14, minus(r.r14, r.r15)]] as const) {
        for (const [metric, value] of Object.entries(counts ?? {})) add(series, d, metric, value);
      }
      series.totals = new Map(Object.entries(r.r0!));
      areas.set(r.ward, series);
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
