import { createHmac } from 'node:crypto';

// Separators people type inside numbers: spaces (including non-breaking), dots and dashes.
const SEPARATORS = /[\s.\-\u00a0]/g;

/**
 * A Vietnamese mobile or landline number as stored: ten digits starting with 0. Spaces, dots and
 * dashes are dropped and the international prefix +84 (or 0084) becomes 0. Null when it is not a number
 * of that shape, so the caller decides whether that is a BAD_USER_INPUT or a result type.
 */
export function normalisePhone(raw: string): string | null {
  let digits = raw.replace(SEPARATORS, '');
  if (digits.startsWith('+84')) digits = `0${digits.slice(3)}`;
  else if (digits.startsWith('0084')) digits = `0${digits.slice(4)}`;
  return /^0\d{9}$/.test(digits) ? digits : null;
}

/**
 * The digits of a national ID number: a 12-digit citizen ID (căn cước công dân) or a 9-digit old
 * identity card (chứng minh nhân dân). Separators are dropped; anything else is invalid (null).
 */
export function normaliseNationalId(raw: string): string | null {
  const digits = raw.replace(SEPARATORS, '');
  return /^(\d{9}|\d{12})$/.test(digits) ? digits : null;
}

/** The keyed hash stored instead of the number: hex HMAC-SHA256 of the normalised digits. */
export function hashNationalId(key: string, normalised: string): string {
  return createHmac('sha256', key).update(normalised, 'utf8').digest('hex');
}

/** Hashes with the deployment's key; made once per subgraph so the key goes no further. */
export type NationalIdHasher = (normalised: string) => string;

export function nationalIdHasher(key: string): NationalIdHasher {
  if (key.length < 32) throw new Error('The national ID key must be at least 32 characters');
  return (normalised) => hashNationalId(key, normalised);
}
