import { badInput } from '../../shared/errors.ts';
import { gammaCdf } from './gamma.ts';

/**
 * EpiEstim's `discr_si(k, mu, sigma)` (R/discr_si.R): the probability that the serial interval is
 * `k` days, for a serial interval that is 1 + a gamma variable of mean `mu - 1` and sd `sigma`,
 * discretised as in the supplement of Cori et al., AJE 2013. It is 0 at k = 0, so the cases of a day
 * do not infect on that same day. Unlike EpiEstim, sigma = 0 is refused (the gamma shape would be
 * infinite).
 */
export function discrSi(k: number, mu: number, sigma: number): number {
  if (!Number.isFinite(sigma) || sigma <= 0) throw badInput(`serial interval sd must be > 0 (got ${sigma})`, 'sdSi');
  if (!Number.isFinite(mu) || mu <= 1) throw badInput(`serial interval mean must be > 1 day (got ${mu})`, 'meanSi');
  if (!Number.isFinite(k) || k < 0) throw badInput(`serial interval day must be >= 0 (got ${k})`, 'k');
  const a = ((mu - 1) / sigma) ** 2;
  const b = sigma ** 2 / (mu - 1);
  const cdf = (x: number, shape: number) => gammaCdf(x, shape, b);
  let res = k * cdf(k, a) + (k - 2) * cdf(k - 2, a) - 2 * (k - 1) * cdf(k - 1, a);
  res += a * b * (2 * cdf(k - 1, a + 1) - cdf(k - 2, a + 1) - cdf(k, a + 1));
  return Math.max(0, res);
}

/**
 * `discr_si(0:(n - 1), mu, sigma)`: the serial interval's probabilities for days 0 to n − 1. Each
 * CDF value serves three days, so it is computed once.
 */
export function discrSiVector(n: number, mu: number, sigma: number): number[] {
  discrSi(0, mu, sigma); // validates the parameters
  const a = ((mu - 1) / sigma) ** 2;
  const b = sigma ** 2 / (mu - 1);
  // F[k + 2] and G[k + 2] hold the CDFs of shapes a and a + 1 at day k, from k = -2.
  const F: number[] = [];
  const G: number[] = [];
  for (let k = -2; k < n; k++) {
    F.push(gammaCdf(k, a, b));
    G.push(gammaCdf(k, a + 1, b));
  }
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    let res = k * F[k + 2]! + (k - 2) * F[k]! - 2 * (k - 1) * F[k + 1]!;
    res += a * b * (2 * G[k + 1]! - G[k]! - G[k + 2]!);
    out.push(Math.max(0, res));
  }
  return out;
}
