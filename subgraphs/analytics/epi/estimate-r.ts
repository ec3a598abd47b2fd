import { badInput } from '../../shared/errors.ts';
import { discrSiVector } from './discr-si.ts';
import { gammaQuantile } from './gamma.ts';
import { checkIncidence, MAX_FORECAST_DAYS, positive } from './input.ts';

/**
 * Rt by the method of Cori et al. (AJE 2013), computed as EpiEstim's
 * `estimate_R(incid, method = "parametric_si", config = make_config(mean_si, std_si))`
 * (R/estimate_R.R, `estimate_R_func` with a certain SI; mrc-ide/EpiEstim 4029826).
 *
 * Days are 0-based indexes into `incidence`; EpiEstim's 1-based t is index + 1, so its default
 * windows `t_start = 2:(T-6)`, `t_end = 8:T` are `tStart = 1 … T-7`, `tEnd = tStart + 6` here.
 * Dates are the caller's.
 *
 * One departure, for series EpiEstim's documentation rules out ("t_start[1] should be strictly
 * after the first day with non null incidence"): days before the first day with cases are dropped
 * before estimating, so that day is the series' first, its cases imported, and a province whose
 * series opens with empty days gets the estimates EpiEstim gives from its first case on.
 */

export interface EstimateRConfig {
  /** Mean of the serial interval in days (must be > 1: discr_si shifts the gamma by one day). */
  meanSi: number;
  /** Standard deviation of the serial interval in days. */
  sdSi: number;
  /**
   * Imported cases per day, a part of `incidence` (EpiEstim's `incid$imported`): they infect others
   * (Λ) but were not infected here, so they do not count towards R. The first day's cases are all
   * imported whatever this says, as in EpiEstim.
   */
  imported?: readonly number[];
  /** Gamma prior on R, EpiEstim's `mean_prior` (default 5). */
  priorMean?: number;
  /** Gamma prior on R, EpiEstim's `std_prior` (default 5). */
  priorSd?: number;
  /** Length of the sliding windows in days (EpiEstim's default is 7). */
  windowDays?: number;
  /** EpiEstim's `cv_posterior` (default 0.3): the aimed coefficient of variation of R's posterior. */
  cvPosterior?: number;
  /**
   * Cases a window needs for an estimate. Defaults to EpiEstim's own threshold,
   * ceiling(1 / cvPosterior² − prior shape), which is 11 for the defaults; 0 estimates every window
   * EpiEstim estimates.
   */
  minCases?: number;
}

export interface RWindow {
  /** First day of the window (0-based index into the incidence). */
  tStart: number;
  /** Last day of the window, inclusive. */
  tEnd: number;
  /** Cases in the window, imported included (EpiEstim's count for its posterior-CV check). */
  cases: number;
  /** Cases in the window infected locally: the posterior's shape is the prior's plus these. */
  localCases: number;
  /** The gamma posterior of R over the window. */
  shape: number;
  scale: number;
  mean: number;
  sd: number;
  median: number;
  /** 2.5 % quantile. */
  lower: number;
  /** 97.5 % quantile. */
  upper: number;
}

export type SkipReason =
  /** The window starts on or before the first day with cases. */
  | 'BEFORE_FIRST_CASE'
  /** The window ends before the serial interval's mean has passed (EpiEstim returns NA). */
  | 'BEFORE_MEAN_SI'
  /** Fewer cases than `minCases` in the window. */
  | 'TOO_FEW_CASES';

export interface EstimateRResult {
  windows: RWindow[];
  skipped: { tStart: number; tEnd: number; cases: number; reason: SkipReason }[];
  /**
   * The discretised serial interval for days 0 … T + 27 (`discr_si(0:(T+27), meanSi, sdSi)`), long
   * enough for `forecast` to weigh every observed day up to 28 days ahead; EpiEstim's own
   * `si_distr` is its first T − (first day with cases) values.
   */
  si: number[];
  /** Mean and sd of the discretised serial interval (EpiEstim's `SI.Moments`). */
  siMean: number;
  siSd: number;
  /** The threshold applied. */
  minCases: number;
}

export const DEFAULT_PRIOR_MEAN = 5;
export const DEFAULT_PRIOR_SD = 5;
export const DEFAULT_WINDOW_DAYS = 7;
export const DEFAULT_CV_POSTERIOR = 0.3;

/**
 * The minimum number of cases per window EpiEstim's authors advise: the posterior's coefficient of
 * variation is 1/sqrt(prior shape + cases), so reaching `cvPosterior` takes
 * `ceiling(1 / cv_posterior^2 - a_prior)` cases (R/estimate_R.R, `min_nb_cases_per_time_period`;
 * make_config's doc: "a warning will be produced if the incidence within one of the time windows
 * considered is too low to get this CV"). With the defaults (CV 0.3, prior mean 5 sd 5, shape 1)
 * that is 11. EpiEstim only warns, for the first window; here a window below it gets no estimate,
 * as issue 16 asks.
 */
export function epiEstimMinCases(cvPosterior: number, priorMean: number, priorSd: number): number {
  const priorShape = (priorMean / priorSd) ** 2;
  return Math.max(0, Math.ceil(1 / cvPosterior ** 2 - priorShape));
}

/**
 * EpiEstim's `overall_infectivity`: Λ_t = Σ_{s=0..t} w_s I_{t−s} for t ≥ 1 (Λ_0 is NA there and
 * never used, since windows start at day index 1). Imported cases infect like local ones.
 */
export function overallInfectivity(incidence: readonly number[], si: readonly number[]): Float64Array {
  const lambda = new Float64Array(incidence.length);
  lambda[0] = Number.NaN;
  for (let t = 1; t < incidence.length; t++) {
    let sum = 0;
    const last = Math.min(t, si.length - 1);
    for (let s = 0; s <= last; s++) sum += si[s]! * incidence[t - s]!;
    lambda[t] = sum;
  }
  return lambda;
}

export function estimateR(incidence: readonly number[], config: EstimateRConfig): EstimateRResult {
  checkIncidence(incidence);
  const meanSi = config.meanSi;
  const sdSi = config.sdSi;
  if (!Number.isFinite(meanSi) || meanSi <= 1) throw badInput(`meanSi must be > 1 day (got ${meanSi})`, 'meanSi');
  positive(sdSi, 'sdSi');
  const priorMean = positive(config.priorMean ?? DEFAULT_PRIOR_MEAN, 'priorMean');
  const priorSd = positive(config.priorSd ?? DEFAULT_PRIOR_SD, 'priorSd');
  const cvPosterior = positive(config.cvPosterior ?? DEFAULT_CV_POSTERIOR, 'cvPosterior');
  const windowDays = config.windowDays ?? DEFAULT_WINDOW_DAYS;
  if (!Number.isInteger(windowDays) || windowDays < 1) throw badInput(`windowDays must be a whole number >= 1 (got ${windowDays})`, 'windowDays');
  const minCases = config.minCases ?? epiEstimMinCases(cvPosterior, priorMean, priorSd);
  if (!Number.isInteger(minCases) || minCases < 0) throw badInput(`minCases must be a whole number >= 0 (got ${minCases})`, 'minCases');
  const imported = config.imported ?? [];
  if (config.imported !== undefined) {
    checkIncidence(imported, 'imported');
    if (imported.length !== incidence.length) throw badInput(`imported must have one count per day of incidence (${incidence.length}, got ${imported.length})`, 'imported');
    const over = imported.findIndex((n, t) => n > incidence[t]!);
    if (over >= 0) throw badInput(`imported[${over}] exceeds the day's cases (${incidence[over]})`, 'imported');
  }

  const T = incidence.length;
  const first = incidence.findIndex((n) => n > 0);
  const start = first < 0 ? T : first;
  const days = incidence.slice(start);
  const si = discrSiVector(T + MAX_FORECAST_DAYS, meanSi, sdSi);
  // EpiEstim discretises the SI over the days it sees: 0 … (its T) − 1.
  const siUsed = si.slice(0, days.length);
  let siMean = 0;
  let siSecond = 0;
  for (let k = 0; k < siUsed.length; k++) {
    siMean += k * siUsed[k]!;
    siSecond += k * k * siUsed[k]!;
  }
  const siSd = Math.sqrt(siSecond - siMean ** 2);

  // The prior is a gamma of shape a and scale b. The first day's cases are all imported.
  const priorShape = (priorMean / priorSd) ** 2;
  const priorScale = priorSd ** 2 / priorMean;
  const lambda = overallInfectivity(days, siUsed);
  const local = (t: number) => (t === 0 ? 0 : days[t]! - (imported[start + t] ?? 0));

  const windows: RWindow[] = [];
  const skipped: EstimateRResult['skipped'] = [];
  for (let tStart = 1; tStart + windowDays <= T; tStart++) {
    const tEnd = tStart + windowDays - 1;
    let cases = 0;
    for (let t = tStart; t <= tEnd; t++) cases += incidence[t]!;
    if (tStart <= start) {
      skipped.push({ tStart, tEnd, cases, reason: 'BEFORE_FIRST_CASE' });
      continue;
    }
    // EpiEstim estimates a window only if its 1-based t_end (counted from the first case) exceeds
    // the SI's mean.
    if (!(tEnd - start + 1 > siMean)) {
      skipped.push({ tStart, tEnd, cases, reason: 'BEFORE_MEAN_SI' });
      continue;
    }
    if (cases < minCases) {
      skipped.push({ tStart, tEnd, cases, reason: 'TOO_FEW_CASES' });
      continue;
    }
    let localCases = 0;
    let lambdaSum = 0;
    for (let t = tStart - start; t <= tEnd - start; t++) {
      localCases += local(t);
      lambdaSum += lambda[t]!;
    }
    const shape = priorShape + localCases;
    const scale = 1 / (1 / priorScale + lambdaSum);
    windows.push({
      tStart,
      tEnd,
      cases,
      localCases,
      shape,
      scale,
      mean: shape * scale,
      sd: Math.sqrt(shape) * scale,
      median: gammaQuantile(0.5, shape, scale),
      lower: gammaQuantile(0.025, shape, scale),
      upper: gammaQuantile(0.975, shape, scale),
    });
  }
  return { windows, skipped, si, siMean, siSd, minCases };
}
