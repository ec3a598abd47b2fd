import { badInput } from '../../shared/errors.ts';

/** Daily case counts: whole numbers >= 0. */
export function checkIncidence(incidence: readonly number[], argument = 'incidence'): void {
  if (!Array.isArray(incidence)) throw badInput(`${argument} must be an array of daily case counts`, argument);
  for (let i = 0; i < incidence.length; i++) {
    const n = incidence[i]!;
    if (!Number.isInteger(n) || n < 0) throw badInput(`${argument}[${i}] must be a whole number >= 0 (got ${n})`, argument);
  }
}

export function positive(value: number, argument: string): number {
  if (!Number.isFinite(value) || value <= 0) throw badInput(`${argument} must be a finite number > 0 (got ${value})`, argument);
  return value;
}

/** The longest forecast, in days (issue 16: "up to 28"). */
export const MAX_FORECAST_DAYS = 28;
