import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { COVID19_SERIAL_INTERVAL, discrSiVector, estimateR, forecast } from '../../subgraphs/analytics/epi/index.ts';
import { Random } from '../../subgraphs/analytics/epi/random.ts';

const SI = discrSiVector(120, COVID19_SERIAL_INTERVAL.meanDays, COVID19_SERIAL_INTERVAL.sdDays);

/**
 * The test's own renewal simulator: `seedCases` cases on day 0, then each day
 * Poisson(R · Σ_{s≥1} w_s I_{t−s}), the process EpiEstim's likelihood and projections assume.
 * `history` continues an existing series.
 */
function simulate(r: number, days: number, random: Random, history: number[]): number[] {
  const incidence = [...history];
  for (let step = 0; step < days; step++) {
    const t = incidence.length;
    let force = 0;
    for (let s = 1; s <= t && s < SI.length; s++) force += SI[s]! * incidence[t - s]!;
    incidence.push(random.poisson(r * force));
  }
  return incidence;
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return (error as GraphQLError).extensions.code;
  }
  throw new Error('expected an error');
}

const HISTORY = [3, 5, 8, 6, 10, 12, 9, 14, 15, 13, 18, 20, 17, 22];
const POSTERIOR = { shape: 120, scale: 0.01 };

describe('forecast', () => {
  it('gives the same forecast for the same seed and a different one for another seed', () => {
    const a = forecast(HISTORY, POSTERIOR, SI, 14, { nSim: 500, seed: 42 });
    const b = forecast(HISTORY, POSTERIOR, SI, 14, { nSim: 500, seed: 42 });
    const c = forecast(HISTORY, POSTERIOR, SI, 14, { nSim: 500, seed: 43 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.map((d) => d.day)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    for (const d of a) {
      expect(d.lower).toBeLessThanOrEqual(d.median);
      expect(d.median).toBeLessThanOrEqual(d.upper);
    }
  });

  it("draws day one's mean as E[R] times the renewal sum over observed days", () => {
    const nSim = 20_000;
    const [day1] = forecast(HISTORY, POSTERIOR, SI, 1, { nSim, seed: 7 });
    let force = 0;
    const total = SI.slice(1).reduce((x, y) => x + y, 0);
    for (let s = 1; s <= HISTORY.length; s++) force += (SI[s]! / total) * HISTORY[HISTORY.length - s]!;
    const expected = POSTERIOR.shape * POSTERIOR.scale * force;
    // Var = E[λ] + Var[λ] for a gamma-mixed Poisson; five standard errors of the mean.
    const variance = expected + POSTERIOR.shape * (POSTERIOR.scale * force) ** 2;
    expect(Math.abs(day1!.mean - expected)).toBeLessThan(5 * Math.sqrt(variance / nSim));
  });

  it('projects nothing when R is (almost surely) zero', () => {
    const out = forecast(HISTORY, { shape: 1e6, scale: 1e-12 }, SI, 7, { nSim: 200, seed: 1 });
    expect(out.every((d) => d.upper === 0)).toBe(true);
  });

  it('covers the truth with its 90 % interval on simulated epidemics with known R, and Rt covers R', () => {
    const R = 1.2;
    let forecastDays = 0;
    let forecastCovered = 0;
    let wrongRCovered = 0;
    let windows = 0;
    let windowsCovering = 0;
    let windowsCoveringWrong = 0;
    for (let epidemic = 0; epidemic < 50; epidemic++) {
      const random = new Random(1000 + epidemic);
      const observed = simulate(R, 49, random, [30]);
      const truth = simulate(R, 14, random, observed).slice(observed.length);

      const rt = estimateR(observed, { meanSi: COVID19_SERIAL_INTERVAL.meanDays, sdSi: COVID19_SERIAL_INTERVAL.sdDays });
      for (const w of rt.windows) {
        windows++;
        if (w.lower <= R && R <= w.upper) windowsCovering++;
        if (w.lower <= 2 * R && 2 * R <= w.upper) windowsCoveringWrong++;
      }
      const latest = rt.windows.at(-1)!;
      const projected = forecast(observed, latest, rt.si, 14, { nSim: 1000, seed: epidemic });
      // A forecast from a posterior pinned at twice the true R: the interval must miss it.
      const wrong = forecast(observed, { shape: 1e4, scale: (2 * R) / 1e4 }, rt.si, 14, { nSim: 1000, seed: epidemic });
      truth.forEach((cases, j) => {
        forecastDays++;
        if (projected[j]!.lower <= cases && cases <= projected[j]!.upper) forecastCovered++;
        if (wrong[j]!.lower <= cases && cases <= wrong[j]!.upper) wrongRCovered++;
      });
    }
    const coverage = forecastCovered / forecastDays;
    const rtCoverage = windowsCovering / windows;
    console.log(
      `forecast 90 % interval covers the truth on ${(100 * coverage).toFixed(1)} % of ${forecastDays} days ` +
        `(${((100 * wrongRCovered) / forecastDays).toFixed(1)} % with R doubled); ` +
        `Rt 95 % CrI covers R = ${R} in ${(100 * rtCoverage).toFixed(1)} % of ${windows} windows ` +
        `(${((100 * windowsCoveringWrong) / windows).toFixed(1)} % cover ${2 * R})`,
    );
    expect(coverage).toBeGreaterThanOrEqual(0.75);
    expect(wrongRCovered / forecastDays).toBeLessThan(0.5);
    expect(rtCoverage).toBeGreaterThanOrEqual(0.8);
    expect(windowsCoveringWrong / windows).toBeLessThan(0.2);
  });

  it('refuses malformed input with BAD_USER_INPUT', () => {
    expect(codeOf(() => forecast(HISTORY, POSTERIOR, SI, 0))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => forecast(HISTORY, POSTERIOR, SI, 29))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => forecast(HISTORY, { shape: 0, scale: 1 }, SI, 7))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => forecast(HISTORY, POSTERIOR, [1, 0, 0], 7))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => forecast(HISTORY, POSTERIOR, SI, 7, { seed: 1.5 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => forecast(HISTORY, POSTERIOR, SI, 7, { nSim: 0 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => forecast([], POSTERIOR, SI, 7))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => forecast([1, -1], POSTERIOR, SI, 7))).toBe('BAD_USER_INPUT');
  });

  it('projects 28 days with 1,000 simulations quickly (time printed, not asserted)', () => {
    const year = Array.from({ length: 365 }, (_, i) => Math.round(200 + 150 * Math.sin(i / 30)));
    const si = discrSiVector(365, COVID19_SERIAL_INTERVAL.meanDays, COVID19_SERIAL_INTERVAL.sdDays);
    forecast(year, POSTERIOR, si, 28, { seed: 1 }); // warm-up: the first call also compiles
    const started = performance.now();
    const out = forecast(year, POSTERIOR, si, 28, { seed: 2 });
    console.log(`forecast, 28 days × 1,000 simulations after 365 observed days: ${(performance.now() - started).toFixed(2)} ms`);
    expect(out).toHaveLength(28);
  });
});

describe('Random', () => {
  it('draws Poisson and gamma variables with the right mean and variance', () => {
    const random = new Random(99);
    const n = 40_000;
    for (const lambda of [0.3, 4, 25, 900]) {
      let sum = 0;
      let squares = 0;
      let notCounts = 0;
      for (let i = 0; i < n; i++) {
        const k = random.poisson(lambda);
        if (!Number.isInteger(k) || k < 0) notCounts++;
        sum += k;
        squares += k * k;
      }
      expect(notCounts).toBe(0);
      const mean = sum / n;
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      // The sample variance's relative sd is √((2 + 1/λ) / n) for a Poisson.
      expect(Math.abs((squares / n - mean ** 2) / lambda - 1)).toBeLessThan(5 * Math.sqrt((2 + 1 / lambda) / n));
    }
    for (const [shape, scale] of [[0.4, 2], [3, 0.5], [200, 0.01]] as const) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += random.gamma(shape, scale);
      expect(Math.abs(sum / n - shape * scale)).toBeLessThan(5 * Math.sqrt(shape) * scale / Math.sqrt(n));
    }
  });
});
