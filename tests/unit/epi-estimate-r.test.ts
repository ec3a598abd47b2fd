import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { COVID19_SERIAL_INTERVAL, discrSi, discrSiVector, epiEstimMinCases, estimateR, type RWindow } from '../../subgraphs/analytics/epi/index.ts';

/**
 * The reference: EpiEstim's "Example 3" test, which snapshots
 *   estimate_R(Flu2009$incidence, method = "parametric_si",
 *              config = list(t_start = 2:26, t_end = 8:32, mean_si = 2.6, std_si = 1.5, seed = 1))
 * (the vignette's Flu2009 example; t_start/t_end are the default weekly windows for its 32 days).
 * Source: github.com/mrc-ide/EpiEstim, tests/testthat/test-estimate_R.R and
 * tests/testthat/_snaps/estimate_R.md, "# Example 3 matches saved output", at commit
 * 402982637562690073884b58100c80d98b6a8538 (the snapshot last changed in a2c3a7ce0ee1d0b7b701bc51c4f08dd0c7a4f61b).
 * Flu2009 is the 2009 pandemic influenza outbreak in a Pennsylvania school (Cauchemez et al.,
 * PNAS 2011); the incidence is the snapshot's `$I`, the SI probabilities its `$si_distr`.
 */
const FLU2009_INCIDENCE = [1, 1, 0, 2, 5, 3, 3, 3, 6, 2, 5, 9, 13, 12, 13, 11, 12, 6, 6, 6, 3, 1, 0, 2, 0, 0, 0, 0, 2, 0, 2, 0];

// t_start, t_end (EpiEstim's 1-based days), Mean(R), Std(R), Quantile.0.025(R), Median(R), Quantile.0.975(R)
const EPIESTIM_EXAMPLE_3 = [
  [2, 8, 1.7357977, 0.40913143, 1.0287437, 1.7037612, 2.6247813],
  [3, 9, 1.7491678, 0.36472669, 1.10882231, 1.7238839, 2.5331192],
  [4, 10, 1.5370581, 0.30741163, 0.99470299, 1.5166133, 2.1955399],
  [5, 11, 1.4318389, 0.27059213, 0.95144658, 1.4148298, 2.0088487],
  [6, 12, 1.4227247, 0.25150457, 0.97314263, 1.4079324, 1.9563365],
  [7, 13, 1.6353733, 0.25234358, 1.17863324, 1.6224126, 2.1657455],
  [8, 14, 1.6639845, 0.23300443, 1.23894574, 1.6531215, 2.1507413],
  [9, 15, 1.6161467, 0.20692639, 1.2362242, 1.607324, 2.0461979],
  [10, 16, 1.4344239, 0.17656537, 1.10938331, 1.4271858, 1.8005896],
  [11, 17, 1.4087217, 0.16159146, 1.10991245, 1.4025479, 1.74261],
  [12, 18, 1.2479472, 0.14221678, 0.98486038, 1.242549, 1.5417063],
  [13, 19, 1.0821477, 0.12579711, 0.84971868, 1.0772771, 1.3422512],
  [14, 20, 0.9371671, 0.11449319, 0.72629165, 0.9325088, 1.1745108],
  [15, 21, 0.8196564, 0.10762616, 0.62239946, 0.8149506, 1.0436503],
  [16, 22, 0.6910352, 0.10188759, 0.50592464, 0.6860342, 0.9045582],
  [17, 23, 0.5896765, 0.09967353, 0.41073132, 0.5840702, 0.8004706],
  [18, 24, 0.4992206, 0.09984413, 0.32306927, 0.4925804, 0.7130887],
  [19, 25, 0.4729631, 0.10850519, 0.28475471, 0.4646919, 0.7081443],
  [20, 26, 0.4176319, 0.11583024, 0.22237137, 0.4069735, 0.673402],
  [21, 27, 0.2978682, 0.11258359, 0.11975846, 0.2838104, 0.5557145],
  [22, 28, 0.240088, 0.12004401, 0.06541591, 0.2204045, 0.5262293],
  [23, 29, 0.4573477, 0.20453212, 0.14849956, 0.4272459, 0.9367934],
  [24, 30, 0.6734382, 0.30117074, 0.21866356, 0.6291137, 1.3794155],
  [25, 31, 0.8591897, 0.3842413, 0.27897655, 0.8026393, 1.7598935],
  [26, 32, 0.9975352, 0.4461113, 0.32389696, 0.9318792, 2.043269],
] as const;

/**
 * EpiEstim's "Example 2" from the same test file and snapshot: imported and local cases
 * (`incidence::incidence(data, groups = location)` over days 0 … 26), parametric SI mean 2.6 sd 1.5,
 * t_start = 2:21, t_end = 8:27. The series are the snapshot's `$I` and `$I_imported`.
 */
const EXAMPLE_2_INCIDENCE = [1, 3, 1, 1, 3, 4, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const EXAMPLE_2_IMPORTED = [1, 1, 1, 1, 2, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const EPIESTIM_EXAMPLE_2 = [
  [2, 8, 0.641359, 0.2424109, 0.257859602, 0.6110903, 1.1965445],
  [3, 9, 0.3999222, 0.1788506, 0.12985364, 0.3736, 0.8191677],
  [4, 10, 0.3956574, 0.1769434, 0.128468883, 0.3696159, 0.8104321],
  [5, 11, 0.4170468, 0.186509, 0.135413957, 0.3895975, 0.8542443],
  [6, 12, 0.3515432, 0.1757716, 0.095783678, 0.322722, 0.7705187],
  [7, 13, 0.1976371, 0.1397505, 0.023934764, 0.1658518, 0.5505816],
  [8, 14, 0.2561099, 0.181097, 0.031016091, 0.2149206, 0.7134764],
  [9, 15, 0.1854957, 0.1854957, 0.004696345, 0.1285758, 0.6842713],
  [10, 16, 0.2764736, 0.2764736, 0.006999704, 0.1916369, 1.0198776],
  [11, 17, 0.4085199, 0.4085199, 0.010342829, 0.2831644, 1.5069808],
  [12, 18, 0.6246688, 0.6246688, 0.015815245, 0.4329874, 2.304328],
  [13, 19, 1.0775772, 1.0775772, 0.027281893, 0.7469196, 3.9750525],
  [14, 20, 1.7523399, 1.7523399, 0.044365405, 1.2146295, 6.4641707],
  [15, 21, 2.5831197, 2.5831197, 0.065398929, 1.7904822, 9.5288173],
  [16, 22, 3.4013907, 3.4013907, 0.086115755, 2.3576643, 12.5473201],
  [17, 23, 4.0476611, 4.0476611, 0.102477905, 2.8056248, 14.9313337],
  [18, 24, 4.4742953, 4.4742953, 0.113279349, 3.1013452, 16.5051359],
  [19, 25, 4.7233814, 4.7233814, 0.119585664, 3.2739985, 17.4239846],
  [20, 26, 4.8583931, 4.8583931, 0.123003865, 3.3675815, 17.9220266],
  [21, 27, 9.8571825, 6.9700806, 1.193750537, 8.2718863, 27.460353],
] as const;

// The snapshot's $si_distr, t0 … t31: discr_si(0:31, 2.6, 1.5) as printed (7 significant digits).
const EPIESTIM_SI = [
  0, 2.331721e-1, 3.585794e-1, 1.981108e-1, 1.033427e-1, 5.290518e-2, 2.682146e-2, 1.35162e-2, 6.783438e-3, 3.394351e-3,
  1.694674e-3, 8.445945e-4, 4.203313e-4, 2.089422e-4, 1.037609e-4, 5.14848e-5, 2.552773e-5, 1.264952e-5, 6.264667e-6,
  3.101068e-6, 1.534394e-6, 7.589168e-7, 3.752319e-7, 1.854675e-7, 9.164543e-8, 4.527299e-8, 2.235952e-8, 1.104051e-8,
  5.450375e-9, 2.69017e-9, 1.327568e-9, 6.550364e-10,
];

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return (error as GraphQLError).extensions.code;
  }
  throw new Error('expected an error');
}

describe('discrSi', () => {
  it("equals EpiEstim's discr_si(0:31, 2.6, 1.5) to its 7 printed significant digits", () => {
    EPIESTIM_SI.forEach((expected, k) => {
      const got = discrSi(k, 2.6, 1.5);
      if (expected === 0) expect(got).toBe(0);
      else expect(Math.abs(got / expected - 1)).toBeLessThan(1e-6);
    });
  });

  it('gives the same values one day at a time and as a vector', () => {
    const vector = discrSiVector(60, 4.7, 2.9);
    vector.forEach((p, k) => expect(p).toBe(discrSi(k, 4.7, 2.9)));
  });

  it('sums to 1 and has the requested mean (the 1-day shift included)', () => {
    for (const [mu, sigma] of [[2.6, 1.5], [COVID19_SERIAL_INTERVAL.meanDays, COVID19_SERIAL_INTERVAL.sdDays], [8, 3]] as const) {
      let total = 0;
      let mean = 0;
      for (let k = 0; k < 200; k++) {
        total += discrSi(k, mu, sigma);
        mean += k * discrSi(k, mu, sigma);
      }
      expect(total).toBeCloseTo(1, 10);
      expect(mean).toBeCloseTo(mu, 6);
    }
  });

  it('refuses a mean <= 1 day, a sd <= 0 and a negative day with BAD_USER_INPUT', () => {
    expect(codeOf(() => discrSi(1, 1, 1))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => discrSi(1, 3, 0))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => discrSi(-1, 3, 1))).toBe('BAD_USER_INPUT');
  });
});

function expectEpiEstim(windows: RWindow[], reference: readonly (readonly number[])[]): void {
  expect(windows).toHaveLength(reference.length);
  windows.forEach((window, i) => {
    const [tStart, tEnd, mean, sd, lower, median, upper] = reference[i]!;
    expect([window.tStart + 1, window.tEnd + 1]).toEqual([tStart, tEnd]);
    // The issue asks for three decimals; the values agree to every digit the snapshot prints.
    for (const [got, want] of [[window.mean, mean], [window.sd, sd], [window.lower, lower], [window.median, median], [window.upper, upper]] as const) {
      expect(got).toBeCloseTo(want!, 3);
      expect(Math.abs(got - want!)).toBeLessThan(1e-6);
    }
    expect(window.shape * window.scale).toBeCloseTo(window.mean, 12);
  });
}

describe('estimateR', () => {
  it("reproduces EpiEstim's published Flu2009 output (Example 3) in every window", () => {
    // minCases 0: EpiEstim itself estimates every window and only warns.
    const result = estimateR(FLU2009_INCIDENCE, { meanSi: 2.6, sdSi: 1.5, minCases: 0 });
    expect(result.siMean).toBeCloseTo(2.6, 6);
    expect(result.siSd).toBeCloseTo(1.55488, 5);
    expectEpiEstim(result.windows, EPIESTIM_EXAMPLE_3);
    // The SI returned reaches 28 days past the series, for the forecast.
    expect(result.si).toHaveLength(32 + 28);
    expect(result.si.slice(0, 32)).toEqual(discrSiVector(32, 2.6, 1.5));
  });

  it("reproduces EpiEstim's output with imported cases (Example 2), which count in Λ but not in R", () => {
    const result = estimateR(EXAMPLE_2_INCIDENCE, { meanSi: 2.6, sdSi: 1.5, minCases: 0, imported: EXAMPLE_2_IMPORTED });
    expect(result.siSd).toBeCloseTo(1.554876, 6);
    expectEpiEstim(result.windows, EPIESTIM_EXAMPLE_2);
    // Counting every case as local gives other (higher) estimates.
    const allLocal = estimateR(EXAMPLE_2_INCIDENCE, { meanSi: 2.6, sdSi: 1.5, minCases: 0 });
    expect(allLocal.windows[0]!.mean).toBeGreaterThan(result.windows[0]!.mean + 0.1);
  });

  it('starts the series at the first day with cases (EpiEstim requires t_start after it)', () => {
    const padded = [0, 0, 0, 0, 0, ...FLU2009_INCIDENCE];
    const shifted = estimateR(padded, { meanSi: 2.6, sdSi: 1.5, minCases: 0 });
    const plain = estimateR(FLU2009_INCIDENCE, { meanSi: 2.6, sdSi: 1.5, minCases: 0 });
    expect(shifted.windows).toEqual(plain.windows.map((w) => ({ ...w, tStart: w.tStart + 5, tEnd: w.tEnd + 5 })));
    expect(shifted.skipped.map((s) => s.reason)).toEqual(Array(5).fill('BEFORE_FIRST_CASE'));
    expect(shifted.siMean).toBe(plain.siMean);
    const none = estimateR(Array(20).fill(0), { meanSi: 2.6, sdSi: 1.5, minCases: 0 });
    expect(none.windows).toEqual([]);
    expect(none.skipped.every((s) => s.reason === 'BEFORE_FIRST_CASE')).toBe(true);
  });

  it('gives no estimate for a window with fewer cases than EpiEstim advises (11 for CV 0.3 and the default prior)', () => {
    expect(epiEstimMinCases(0.3, 5, 5)).toBe(11);
    expect(epiEstimMinCases(0.2, 5, 5)).toBe(24);
    const all = estimateR(FLU2009_INCIDENCE, { meanSi: 2.6, sdSi: 1.5, minCases: 0 });
    const advised = estimateR(FLU2009_INCIDENCE, { meanSi: 2.6, sdSi: 1.5 });
    expect(advised.minCases).toBe(11);
    const sparse = all.windows.filter((w) => w.cases < 11);
    expect(sparse.length).toBeGreaterThan(0);
    expect(advised.windows).toEqual(all.windows.filter((w) => w.cases >= 11));
    expect(advised.skipped).toEqual(sparse.map((w) => ({ tStart: w.tStart, tEnd: w.tEnd, cases: w.cases, reason: 'TOO_FEW_CASES' })));
    // A stricter CV asks for more cases per window.
    expect(estimateR(FLU2009_INCIDENCE, { meanSi: 2.6, sdSi: 1.5, cvPosterior: 0.2 }).windows.length).toBeLessThan(advised.windows.length);
  });

  it("skips windows that end before the serial interval's mean, as EpiEstim does", () => {
    const incidence = Array.from({ length: 40 }, (_, i) => 5 + i);
    const result = estimateR(incidence, { meanSi: 10, sdSi: 3 });
    const before = result.skipped.filter((s) => s.reason === 'BEFORE_MEAN_SI');
    expect(before.length).toBeGreaterThan(0);
    for (const s of before) expect(s.tEnd + 1).toBeLessThanOrEqual(result.siMean);
    expect(result.windows[0]!.tEnd + 1).toBeGreaterThan(result.siMean);
    expect(result.windows.length + result.skipped.length).toBe(40 - 7);
  });

  it('uses the window length asked for and returns nothing for a series shorter than one window', () => {
    const incidence = Array.from({ length: 30 }, () => 20);
    const fortnight = estimateR(incidence, { meanSi: 4.7, sdSi: 2.9, windowDays: 14 });
    expect(fortnight.windows.every((w) => w.tEnd - w.tStart === 13)).toBe(true);
    expect(fortnight.windows.at(-1)!.tEnd).toBe(29);
    expect(estimateR([3, 4, 5], { meanSi: 4.7, sdSi: 2.9 }).windows).toEqual([]);
  });

  it('refuses malformed input with BAD_USER_INPUT', () => {
    const si = { meanSi: 4.7, sdSi: 2.9 };
    expect(codeOf(() => estimateR([1, -2, 3], si))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => estimateR([1, 2.5, 3], si))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => estimateR([1, Number.NaN], si))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => estimateR([1, 2], { meanSi: 0.5, sdSi: 1 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => estimateR([1, 2], { ...si, priorSd: 0 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => estimateR([1, 2], { ...si, windowDays: 0 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => estimateR([1, 2], { ...si, minCases: -1 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => estimateR([1, 2], { ...si, imported: [1] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => estimateR([1, 2], { ...si, imported: [1, 3] }))).toBe('BAD_USER_INPUT');
  });

  it('takes a year of daily counts quickly (time printed, not asserted)', () => {
    const year = Array.from({ length: 365 }, (_, i) => Math.round(200 + 150 * Math.sin(i / 30)));
    estimateR(year, { meanSi: 4.7, sdSi: 2.9 }); // warm-up: the first call also compiles
    const started = performance.now();
    const result = estimateR(year, { meanSi: 4.7, sdSi: 2.9 });
    const ms = performance.now() - started;
    console.log(`estimateR, 365 days: ${ms.toFixed(2)} ms, ${result.windows.length} windows`);
    expect(result.windows).toHaveLength(365 - 7);
  });
});
