import { DEFAULT_PRIOR_MEAN, DEFAULT_PRIOR_SD, estimateR, forecast } from './epi/index.ts';
import type { AnalyticsRepositories, AreaSeries } from './repositories/index.ts';
import { addDays, AreaFigures, change, reportWindowStart, type Figures } from './report.ts';
import { FORECAST_LOOKBACK_DAYS } from './validation.ts';

/** Net confirmed cases of a day: the curve, Rt and the forecast all count cases this way. */
const BY_CONFIRMATION = { cases_confirmed: 1, cases_rejected: -1 } as const;
const BY_ONSET = { cases_onset: 1 } as const;

export interface SituationReport extends Omit<Figures, 'tasksNew' | 'tasksContacted' | 'tasksIsolated' | 'tasksTested' | 'tasksClosed' | 'tasksWithdrawn' | 'testsPositive'> {
  date: string;
  province: string | null;
  figures: Figures;
  change: Figures;
  sevenDayAverage: Figures;
  wards: Array<{ ward: string | null; figures: Figures; change: Figures }>;
}

/** Every day from `from` to `to` inclusive. */
function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/**
 * The briefing's figures read from the rollups: reports, curves, Rt and the forecast. Arguments
 * are validated and access decided by the resolvers before they get here.
 */
export class Briefing {
  constructor(private readonly repos: AnalyticsRepositories) {}

  async situationReport(province: string | null, date: string): Promise<SituationReport> {
    const [series, wards] = await Promise.all([
      this.repos.reports.series(province, reportWindowStart(date), date),
      province ? this.repos.reports.wardSeries(province, date) : Promise.resolve(new Map<string, AreaSeries>()),
    ]);
    const area = new AreaFigures(series);
    const figures = area.at(date);
    const yesterday = area.at(addDays(date, -1));
    return {
      date,
      province,
      ...figures,
      figures,
      change: change(figures, yesterday),
      sevenDayAverage: area.sevenDayAverage(date),
      wards: [...wards.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([ward, series]) => {
          const w = new AreaFigures(series);
          const today = w.at(date);
          return { ward: ward === '' ? null : ward, figures: today, change: change(today, w.at(addDays(date, -1))) };
        }),
    };
  }

  async epidemicCurve(province: string | null, from: string, to: string, by: 'CONFIRMATION' | 'ONSET'): Promise<Array<{ date: string; count: number }>> {
    const counts = await this.repos.reports.daily(province, from, to, by === 'ONSET' ? BY_ONSET : BY_CONFIRMATION);
    return days(from, to).map((date) => ({ date, count: counts.get(date) ?? 0 }));
  }

  private async incidence(province: string | null, from: string, to: string): Promise<number[]> {
    const counts = await this.repos.reports.daily(province, from, to, BY_CONFIRMATION);
    return days(from, to).map((d) => counts.get(d) ?? 0);
  }

  async reproductionNumber(province: string | null, from: string, to: string) {
    const [si, incidence] = await Promise.all([this.repos.serialIntervals.inForce(), this.incidence(province, from, to)]);
    const result = estimateR(incidence, { meanSi: si.meanDays, sdSi: si.sdDays, priorMean: DEFAULT_PRIOR_MEAN, priorSd: DEFAULT_PRIOR_SD });
    const day = (t: number) => addDays(from, t);
    return {
      province,
      from,
      to,
      serialIntervalMean: si.meanDays,
      serialIntervalSd: si.sdDays,
      serialIntervalSource: si.source,
      priorMean: DEFAULT_PRIOR_MEAN,
      priorSd: DEFAULT_PRIOR_SD,
      minCases: result.minCases,
      windows: result.windows.map((w) => ({ start: day(w.tStart), end: day(w.tEnd), cases: w.cases, mean: w.mean, median: w.median, lower: w.lower, upper: w.upper, sd: w.sd })),
      skipped: result.skipped.map((s) => ({ start: day(s.tStart), end: day(s.tEnd), cases: s.cases, reason: s.reason })),
    };
  }

  /** Projects from the posterior of the latest window ending on `asOf`; empty when it has too few cases for an estimate. */
  async forecast(province: string | null, days: number, seed: number, asOf: string): Promise<Array<{ date: string; median: number; lower: number; upper: number }>> {
    const from = addDays(asOf, -(FORECAST_LOOKBACK_DAYS - 1));
    const [si, incidence] = await Promise.all([this.repos.serialIntervals.inForce(), this.incidence(province, from, asOf)]);
    const estimate = estimateR(incidence, { meanSi: si.meanDays, sdSi: si.sdDays, priorMean: DEFAULT_PRIOR_MEAN, priorSd: DEFAULT_PRIOR_SD });
    const latest = estimate.windows.at(-1);
    if (!latest || latest.tEnd !== incidence.length - 1) return [];
    return forecast(incidence, latest, estimate.si, days, { seed }).map((d) => ({ date: addDays(asOf, d.day), median: d.median, lower: d.lower, upper: d.upper }));
  }

  /**
   * Provinces ranked by growth: net confirmed cases in the 7 days ending on `date` against the 7
   * before, fastest growth first (a province with cases now and none before first of all), then by
   * cases. `provinces` limits the list to a caller's jurisdiction (null: every province with cases).
   */
  async provinceGrowth(date: string, provinces: readonly string[] | null): Promise<Array<{ province: string; last7: number; previous7: number; growth: number | null }>> {
    const spans = await this.repos.reports.byProvinceInTwoSpans(addDays(date, -13), addDays(date, -6), date, BY_CONFIRMATION);
    return spans
      .filter((s) => (provinces === null || provinces.includes(s.province)) && (s.before > 0 || s.after > 0))
      .map((s) => ({ province: s.province, last7: s.after, previous7: s.before, growth: s.before > 0 ? s.after / s.before - 1 : null }))
      .sort((a, b) => growthRank(b) - growthRank(a) || b.last7 - a.last7 || (a.province < b.province ? -1 : 1));
  }
}

/** A province with cases now and none the week before ranks above any finite growth. */
const growthRank = (g: { growth: number | null; last7: number }) => g.growth ?? (g.last7 > 0 ? Number.POSITIVE_INFINITY : 0);
