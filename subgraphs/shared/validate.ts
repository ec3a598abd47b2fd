import { badInput } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Rejects a malformed ID before it reaches SQL (where it would be a 22P02 error and a 500). */
export function requireUuid(value: string, argument: string): string {
  if (!isUuid(value)) throw badInput(`${argument} must be a UUID, got "${truncate(value)}"`, argument);
  return value.toLowerCase();
}

export function truncate(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

export const PROVINCE_CODE = /^\d{2}$/;
export const WARD_CODE = /^\d{5}$/;

export function requireProvinceCode(value: string, argument = 'province'): string {
  if (!PROVINCE_CODE.test(value)) throw badInput(`${argument} must be a two-digit province code, got "${truncate(value)}"`, argument);
  return value;
}

/** How far a client clock may run ahead of ours before a timestamp counts as "in the future". */
export const CLOCK_SKEW_MS = 5 * 60_000;

export function isInFuture(at: Date, now = new Date()): boolean {
  return at.getTime() > now.getTime() + CLOCK_SKEW_MS;
}
