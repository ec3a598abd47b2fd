import { badInput } from '../../shared/errors.ts';
import { checkIncidence, MAX_FORECAST_DAYS } from './input.ts';
import { Random } from './random.ts';

/**
 * Incidence projected by the renewal equation as `projections::project(x, R, si, n_sim, n_days,
 * R_fix_within = TRUE, model = "poisson")` does (reconhub/projections R/project.R, 1aff0e9), with R
 * drawn from a gamma posterior (EpiEstim's latest window) rather than from a vector of samples:
 * each simulation draws one R and keeps it for every day, and day t's cases are
 * Poisson(R · Σ_{s≥1} w_s I_{t−s}) over observed and already simulated days.
 */

export const DEFAULT_SIMULATIONS = 1000;
export const DEFAULT_SEED = 1;
const MAX_SIMULATIONS = 100_000;

export interface ForecastDay {
  /** Days after the last observed day: 1 is the day after. */
  day: number;
  median: number;
  /** 5 % quantile (the 90 % interval's lower bound). */
  lower: number;
  /** 95 % quantile. */
  upper: number;
  mean: number;
}

export interface ForecastOptions {
  nSim?: number;
  /** The same seed gives the same forecast; any safe integer. */
  seed?: number;
}

/**
 * R's default `quantile(x, p)` (type 7) of an ascending array. projections' summary takes its
 * quantiles the same way.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * @param incidence daily cases up to the last observed day (0-based days, as `estimateR`).
 * @param rPosterior the gamma posterior of R to sample from, as `estimateR` returns per window.
 * @param si the discretised serial interval with `si[s]` for s days, `si[0]` included (as
 *   `estimateR().si`, or `discrSiVector(incidence.length + days, …)`). Like project(), which takes
 *   the pmf from day 1, it ignores `si[0]` and rescales the rest to sum to 1; days beyond its end
 *   weigh 0.
 * @param days how many days to project, 1 to 28.
 */
export function forecast(
  incidence: readonly number[],
  rPosterior: { shape: number; scale: number },
  si: readonly number[],
  days: number,
  { nSim = DEFAULT_SIMULATIONS, seed = DEFAULT_SEED }: ForecastOptions = {},
): ForecastDay[] {
  checkIncidence(incidence);
  if (incidence.length === 0) throw badInput('incidence needs at least one observed day', 'incidence');
  const { shape, scale } = rPosterior;
  if (!Number.isFinite(shape) || shape <= 0 || !Number.isFinite(scale) || scale <= 0) {
    throw badInput(`R posterior shape and scale must be finite numbers > 0 (got ${shape}, ${scale})`, 'rPosterior');
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_FORECAST_DAYS) {
    throw badInput(`days must be a whole number from 1 to ${MAX_FORECAST_DAYS} (got ${days})`, 'days');
  }
  if (!Number.isInteger(nSim) || nSim < 1 || nSim > MAX_SIMULATIONS) {
    throw badInput(`nSim must be a whole number from 1 to ${MAX_SIMULATIONS} (got ${nSim})`, 'nSim');
  }
  if (!Number.isSafeInteger(seed)) throw badInput(`seed must be a safe integer (got ${seed})`, 'seed');
  let siTotal = 0;
  for (let s = 0; s < si.length; s++) {
    const w = si[s]!;
    if (!Number.isFinite(w) || w < 0) throw badInput(`si[${s}] must be a finite number >= 0 (got ${w})`, 'si');
    if (s > 0) siTotal += w;
  }
  if (!(siTotal > 0)) throw badInput('the serial interval has no mass after day 0', 'si');
  const w = (s: number) => (s > 0 && s < si.length ? si[s]! / siTotal : 0);

  // The observed days' force of infection on each future day is the same in every simulation.
  const T = incidence.length;
  const observedForce = new Float64Array(days);
  for (let j = 0; j < days; j++) {
    let sum = 0;
    const firstDay = Math.max(0, T + j - (si.length - 1));
    for (let i = firstDay; i < T; i++) sum += w(T + j - i) * incidence[i]!;
    observedForce[j] = sum;
  }
  const weights = new Float64Array(days + 1);
  for (let s = 1; s <= days; s++) weights[s] = w(s);

  const random = new Random(seed);
  // Day-major, so each day's simulations sort in place.
  const counts = new Float64Array(days * nSim);
  const path = new Float64Array(days);
  for (let sim = 0; sim < nSim; sim++) {
    const r = random.gamma(shape, scale);
    for (let j = 0; j < days; j++) {
      let force = observedForce[j]!;
      for (let m = 0; m < j; m++) force += weights[j - m]! * path[m]!;
      const cases = random.poisson(r * force);
      path[j] = cases;
      counts[j * nSim + sim] = cases;
    }
  }

  const out: ForecastDay[] = [];
  for (let j = 0; j < days; j++) {
    const day = counts.subarray(j * nSim, (j + 1) * nSim).sort();
    let total = 0;
    for (let i = 0; i < nSim; i++) total += day[i]!;
    out.push({
      day: j + 1,
      median: quantileSorted(day, 0.5),
      lower: quantileSorted(day, 0.05),
      upper: quantileSorted(day, 0.95),
      mean: total / nSim,
    });
  }
  return out;
}
