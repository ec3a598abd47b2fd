import { CLOCK_SKEW_MS, isInFuture, PROVINCE_CODE, WARD_CODE } from '../shared/validate.ts';
import { SYMPTOMS, type DeclarationKind, type Symptom } from './db/schema.ts';
import { normaliseNationalId, normalisePhone } from './identifiers.ts';

/**
 * Checks of what a person typed (names, years, phone numbers): a failure names the input field and
 * becomes a result type (InvalidPersonInput, InvalidDeclaration) that an app can show next to the
 * field. Malformed IDs are not checked here: they are programming errors (BAD_USER_INPUT).
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

const invalid = (field: string, message: string) => ({ ok: false, field, message }) as const;

export const FULL_NAME_MAX = 200;
export const FREE_TEXT_MAX = 2000;
/** How far back a declaration may be dated: older ones are too stale to act on. */
export const DECLARATION_MAX_AGE_MS = 30 * 24 * 60 * 60_000;

/** The current year in Vietnam (UTC+7, no daylight saving), so a baby born on 1 January can register at once. */
export function vietnamYear(now: Date): number {
  return new Date(now.getTime() + 7 * 60 * 60_000).getUTCFullYear();
}

export interface RegisterPersonInput {
  id?: string | null;
  fullName: string;
  birthYear: number;
  phone: string;
  nationalId?: string | null;
  residenceWardCode: string;
  residenceProvinceCode: string;
}

export interface CheckedPerson {
  fullName: string;
  birthYear: number;
  phone: string;
  /** Normalised digits, or null when none was given; hashed before it reaches the repository. */
  nationalId: string | null;
  residenceWardCode: string;
  residenceProvinceCode: string;
}

export function checkPerson(input: RegisterPersonInput, now: Date): Checked<CheckedPerson> {
  // NFC: the same Vietnamese name typed on different keyboards compares equal (precomposed diacritics).
  const fullName = input.fullName.normalize('NFC').trim().replace(/\s+/g, ' ');
  const nameLength = [...fullName].length;
  if (nameLength < 1 || nameLength > FULL_NAME_MAX) {
    return invalid('fullName', `The full name must be 1 to ${FULL_NAME_MAX} characters long.`);
  }
  const thisYear = vietnamYear(now);
  if (!Number.isInteger(input.birthYear) || input.birthYear < 1900 || input.birthYear > thisYear) {
    return invalid('birthYear', `The year of birth must be between 1900 and ${thisYear}.`);
  }
  const phone = normalisePhone(input.phone);
  if (!phone) return invalid('phone', 'The phone number must have 10 digits starting with 0 (or +84).');
  let nationalId: string | null = null;
  // Forms send an empty string for a field left blank: that means "no national ID".
  if (input.nationalId != null && input.nationalId.trim() !== '') {
    nationalId = normaliseNationalId(input.nationalId);
    if (!nationalId) {
      return invalid('nationalId', 'The national ID must be a 12-digit citizen ID or a 9-digit old identity card number.');
    }
  }
  if (!WARD_CODE.test(input.residenceWardCode)) {
    return invalid('residenceWardCode', 'The ward code must have 5 digits (current structure).');
  }
  if (!PROVINCE_CODE.test(input.residenceProvinceCode)) {
    return invalid('residenceProvinceCode', 'The province code must have 2 digits (current structure).');
  }
  return {
    ok: true,
    value: {
      fullName,
      birthYear: input.birthYear,
      phone,
      nationalId,
      residenceWardCode: input.residenceWardCode,
      residenceProvinceCode: input.residenceProvinceCode,
    },
  };
}

export interface SubmitDeclarationInput {
  id?: string | null;
  personId: string;
  kind: DeclarationKind;
  symptoms?: readonly Symptom[] | null;
  travel?: string | null;
  exposureNote?: string | null;
  declaredAt?: Date | null;
}

export interface CheckedDeclaration {
  kind: DeclarationKind;
  symptoms: Symptom[];
  travel: string | null;
  exposureNote: string | null;
  declaredAt: Date;
}

function freeText(value: string | null | undefined): string | null {
  const text = value?.normalize('NFC').trim();
  return text ? text : null;
}

export function checkDeclaration(input: SubmitDeclarationInput, now: Date): Checked<CheckedDeclaration> {
  // Each symptom once, in the schema's order, so equal declarations store equal arrays.
  const given = new Set(input.symptoms ?? []);
  const symptoms = SYMPTOMS.filter((s) => given.has(s));
  if (input.kind === 'SYMPTOMS' && symptoms.length === 0) {
    return invalid('symptoms', 'A declaration of kind SYMPTOMS must name at least one symptom.');
  }
  const travel = freeText(input.travel);
  if (travel && [...travel].length > FREE_TEXT_MAX) {
    return invalid('travel', `The places visited must be at most ${FREE_TEXT_MAX} characters long.`);
  }
  const exposureNote = freeText(input.exposureNote);
  if (exposureNote && [...exposureNote].length > FREE_TEXT_MAX) {
    return invalid('exposureNote', `The exposure note must be at most ${FREE_TEXT_MAX} characters long.`);
  }
  const declaredAt = input.declaredAt ?? now;
  if (isInFuture(declaredAt, now)) {
    return invalid('declaredAt', `The declaration time is in the future (more than ${CLOCK_SKEW_MS / 60_000} minutes ahead).`);
  }
  if (now.getTime() - declaredAt.getTime() > DECLARATION_MAX_AGE_MS) {
    return invalid('declaredAt', 'The declaration time is more than 30 days ago.');
  }
  return { ok: true, value: { kind: input.kind, symptoms, travel, exposureNote, declaredAt } };
}
