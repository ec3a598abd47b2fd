import { describe, expect, it } from 'vitest';
import { gammaCdf, gammaQuantile, lnGamma, regularizedGammaP } from '../../subgraphs/analytics/epi/gamma.ts';

// erf by its positive series erf(z) = 2/√π · e^(−z²) · Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)), which has no
// cancellation, so P(1/2, x) = erf(√x) is an independent check of the incomplete gamma function.
function erf(z: number): number {
  let term = z;
  let sum = z;
  for (let n = 1; n < 500; n++) {
    term *= (2 * z * z) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
}

// P(n, x) = 1 − e^(−x) Σ_{k<n} x^k / k! for whole n (the Erlang CDF).
function erlangCdf(n: number, x: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < n; k++) {
    term *= x / k;
    sum += term;
  }
  return 1 - Math.exp(-x) * sum;
}

describe('lnGamma', () => {
  it('equals ln((n − 1)!) and ln Γ(1/2) = ln √π', () => {
    let factorial = 1;
    for (let n = 1; n <= 30; n++) {
      expect(lnGamma(n)).toBeCloseTo(Math.log(factorial), 10);
      factorial *= n;
    }
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
});

describe('regularizedGammaP', () => {
  it('equals the Erlang CDF for whole shapes, on both sides of x = a + 1 (series and continued fraction)', () => {
    for (const a of [1, 2, 3, 7, 15, 40]) {
      for (const x of [0.01, 0.5, 1, a / 2, a, a + 1, a + 2, 2 * a, 3 * a + 10]) {
        expect(Math.abs(regularizedGammaP(a, x) - erlangCdf(a, x))).toBeLessThan(1e-12);
      }
    }
  });

  it('equals erf(√x) for shape 1/2', () => {
    for (const x of [1e-6, 0.01, 0.3, 1, 1.5, 2, 4, 9]) {
      expect(Math.abs(regularizedGammaP(0.5, x) - erf(Math.sqrt(x)))).toBeLessThan(1e-13);
    }
  });

  it('is 0 at and below 0 and 1 at infinity, and refuses a shape <= 0', () => {
    expect(regularizedGammaP(2, 0)).toBe(0);
    expect(regularizedGammaP(2, -1)).toBe(0);
    expect(regularizedGammaP(2, Number.POSITIVE_INFINITY)).toBe(1);
    expect(() => regularizedGammaP(0, 1)).toThrow(RangeError);
  });

  it('scales by the scale parameter', () => {
    expect(gammaCdf(6, 3, 2)).toBeCloseTo(regularizedGammaP(3, 3), 15);
  });
});

describe('gammaQuantile', () => {
  // Chi-square critical values from standard tables: qchisq(p, ν) = qgamma(p, ν/2, scale 2).
  const chiSquare: [p: number, df: number, value: number][] = [
    [0.95, 1, 3.841459],
    [0.99, 1, 6.634897],
    [0.5, 1, 0.454936],
    [0.95, 10, 18.307038],
    [0.975, 10, 20.483177],
    [0.05, 10, 3.940299],
    [0.025, 1, 0.000982],
  ];
  it.each(chiSquare)('qchisq(%f, %i) = %f to 1e-6', (p, df, value) => {
    expect(Math.abs(gammaQuantile(p, df / 2, 2) - value)).toBeLessThan(1e-6);
  });

  it('inverts the exponential and the 2-df chi-square: −ln(1 − p)', () => {
    // Relative 1e-9: near p = 1 the double 1 − p itself carries a relative error of ~1e-11.
    for (const p of [1e-9, 0.001, 0.025, 0.5, 0.975, 0.999999]) {
      const exact = -Math.log1p(-p);
      expect(Math.abs(gammaQuantile(p, 1, 1) / exact - 1)).toBeLessThan(1e-9);
      expect(Math.abs(gammaQuantile(p, 1, 2) / (2 * exact) - 1)).toBeLessThan(1e-9);
    }
  });

  it('is the inverse of the CDF for small, EpiEstim-sized and very large shapes', () => {
    for (const a of [0.05, 0.5, 1, 2.5, 12, 101, 1_001, 50_001]) {
      for (const p of [1e-9, 0.001, 0.025, 0.05, 0.5, 0.95, 0.975, 0.999]) {
        const x = gammaQuantile(p, a, 1);
        expect(Math.abs(regularizedGammaP(a, x) - p)).toBeLessThan(1e-10);
      }
    }
  });

  it('gives the median of a large shape as a − 1/3 + 8/(405 a) (Choi 1994)', () => {
    for (const a of [500, 5_000, 100_000]) {
      expect(Math.abs(gammaQuantile(0.5, a, 1) - (a - 1 / 3 + 8 / (405 * a)))).toBeLessThan(1e-6);
    }
  });

  it('maps 0 and 1 to the ends of the support and refuses bad arguments', () => {
    expect(gammaQuantile(0, 2, 1)).toBe(0);
    expect(gammaQuantile(1, 2, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => gammaQuantile(1.5, 2, 1)).toThrow(RangeError);
    expect(() => gammaQuantile(0.5, -1, 1)).toThrow(RangeError);
  });
});
