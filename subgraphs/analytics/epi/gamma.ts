/**
 * The gamma distribution's CDF and quantile function, which EpiEstim takes from R
 * (`stats::pgamma`, `stats::qgamma`): the regularised lower incomplete gamma function by its series
 * below `x = a + 1` and by its continued fraction above (Numerical Recipes, 3rd ed., §6.2), and its
 * inverse by safeguarded Newton steps.
 */

const EPS = 1e-15;
const MAX_ITERATIONS = 10_000;
// Smallest positive normal double: keeps Lentz's continued fraction away from a division by zero.
const TINY = 1e-300;

// Lanczos approximation, g = 7, n = 9 (the coefficients of Godfrey's table), ~15 significant digits.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in the range where it is accurate.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

// P(a, x) by its power series; converges quickly for x < a + 1.
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
}

// Q(a, x) = 1 - P(a, x) by its continued fraction (modified Lentz); converges quickly for x > a + 1.
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/** The regularised lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), for a > 0. */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`gamma shape must be > 0 (got ${a})`);
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  return x < a + 1 ? lowerSeries(a, x) : 1 - upperContinuedFraction(a, x);
}

/** The gamma CDF with shape `a` and scale `scale`, as R's `pgamma(q, shape = a, scale = scale)`. */
export function gammaCdf(q: number, a: number, scale: number): number {
  return regularizedGammaP(a, q / scale);
}

function gammaDensityUnitScale(a: number, x: number): number {
  return Math.exp((a - 1) * Math.log(x) - x - lnGamma(a));
}

/**
 * The gamma quantile with shape `a` and scale `scale`, as R's `qgamma(p, shape = a, scale = scale)`:
 * the x with P(a, x / scale) = p, to a relative 1e-12 in x.
 */
export function gammaQuantile(p: number, a: number, scale: number): number {
  if (!(a > 0) || !(scale > 0)) throw new RangeError(`gamma shape and scale must be > 0 (got ${a}, ${scale})`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1] (got ${p})`);
  if (p === 0) return 0;
  if (p === 1) return Number.POSITIVE_INFINITY;

  // Bracket [lo, hi] around the root; every Newton step that leaves it is replaced by bisection.
  let lo = 0;
  let hi = Math.max(1, a);
  while (regularizedGammaP(a, hi) < p) {
    lo = hi;
    hi *= 2;
  }
  let x: number;
  if (a < 1) {
    // Below shape 1 the lower tail is P ≈ x^a / Γ(a + 1), and roots can be far below any bisection
    // from 1 (Numerical Recipes' invgammp start).
    const t = 1 - a * (0.253 + a * 0.12);
    x = p < t ? Math.pow(p / t, 1 / a) : 1 - Math.log(1 - (p - t) / (1 - t));
  } else {
    // Wilson–Hilferty start: the cube root of a gamma variable is nearly normal.
    const z = normalQuantile(p);
    const c = 1 / (9 * a);
    x = a * Math.pow(1 - c + z * Math.sqrt(c), 3);
  }
  if (!(x > lo && x < hi)) x = (lo + hi) / 2;

  for (let i = 0; i < 200; i++) {
    const f = regularizedGammaP(a, x) - p;
    if (f === 0) break;
    if (f < 0) lo = x;
    else hi = x;
    const density = gammaDensityUnitScale(a, x);
    let next = density > 0 ? x - f / density : Number.NaN;
    // Bisect geometrically when the bracket spans orders of magnitude, so tiny roots are reached.
    if (!(next > lo && next < hi)) next = lo > 0 && hi > 4 * lo ? Math.sqrt(lo * hi) : lo === 0 ? x / 16 : (lo + hi) / 2;
    const converged = Math.abs(next - x) <= 1e-12 * Math.max(x, Number.MIN_VALUE);
    x = next;
    if (converged || hi - lo <= 1e-15 * hi) break;
  }
  return x * scale;
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9); only a
 * starting point for the gamma quantile, which Newton then refines.
 */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
