import { badInput } from '../shared/errors.ts';
import { vietnamDay } from '../shared/events.ts';
import { requireProvinceCode, truncate } from '../shared/validate.ts';
import { MAX_FORECAST_DAYS } from './epi/index.ts';
import { addDays } from './report.ts';

/** The longest range a curve or an Rt estimate covers (two years of days). */
export const MAX_RANGE_DAYS = 731;
/** Days of incidence before its last day that the forecast estimates the latest Rt from. */
export const FORECAST_LOOKBACK_DAYS = 56;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A Viet Nam calendar day as `YYYY-MM-DD` (a real date), else BAD_USER_INPUT naming the argument. */
export function requireDay(value: string, argument: string): string {
  if (!DAY.test(value) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw badInput(`${argument} must be a calendar day as YYYY-MM-DD, got "${truncate(value)}"`, argument);
  }
  return value;
}

/** Today in Viet Nam when no day is given. */
export function dayOrToday(value: string | null | undefined, argument: string, now = new Date()): string {
  return value == null ? vietnamDay(now) : requireDay(value, argument);
}

export function provinceOrNation(value: string | null | undefined): string | null {
  return value == null ? null : requireProvinceCode(value);
}

/** `from` and `to` (inclusive) in order and at most MAX_RANGE_DAYS apart. */
export function requireRange(from: string, to: string): { from: string; to: string } {
  requireDay(from, 'from');
  requireDay(to, 'to');
  if (from > to) throw badInput(`from (${from}) is after to (${to})`, 'from');
  if (addDays(from, MAX_RANGE_DAYS - 1) < to) throw badInput(`from and to may be at most ${MAX_RANGE_DAYS} days apart`, 'to');
  return { from, to };
}

export function requireForecastDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_FORECAST_DAYS) throw badInput(`days must be a whole number from 1 to ${MAX_FORECAST_DAYS}, got ${days}`, 'days');
  return days;
}
