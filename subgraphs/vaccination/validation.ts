import { CLOCK_SKEW_MS, PROVINCE_CODE, WARD_CODE, isInFuture, isUuid, truncate } from '../shared/validate.ts';
import { ADVERSE_EVENT_SEVERITIES, type AdverseEventSeverity } from './db/schema.ts';

/** The most rows one `recordVaccinations` call may carry. */
export const MAX_DOSES_BATCH = 5000;
export const MAX_RECORD_ID_LENGTH = 64;
export const MAX_LOT_LENGTH = 64;
export const MAX_DOSE_NUMBER = 10;
export const MIN_BIRTH_YEAR = 1900;
export const MAX_DESCRIPTION_LENGTH = 2000;

/** `DoseInput` as the DateTime scalar has already parsed it. */
export interface DoseInput {
  recordId: string;
  personId: string;
  product: string;
  doseNumber: number;
  administeredAt: Date;
  lot?: string | null;
  site?: { province: string; id: string } | null;
  wardCode?: string | null;
  legacyWardCode?: string | null;
  birthYear?: number | null;
}

export const REJECTION_CODES = ['BAD_ROW', 'UNKNOWN_PRODUCT', 'UNKNOWN_VACCINATION_SITE', 'UNKNOWN_WARD', 'AMBIGUOUS_LEGACY_WARD', 'TIME_IN_FUTURE', 'RECORD_ID_CONFLICT'] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  code: RejectionCode;
  field: string;
  message: string;
  candidates?: string[];
}

/** A row checked on its own, its ward not yet resolved (that needs the units subgraph: wards.ts). */
export interface CheckedDose {
  source: string;
  recordId: string;
  personId: string;
  productCode: string;
  doseNumber: number;
  administeredAt: Date;
  lot: string | null;
  siteProvinceCode: string | null;
  siteId: string | null;
  /** Exactly one of the two is set. */
  wardCode: string | null;
  legacyWardCode: string | null;
  birthYear: number;
}

/** A row as it is stored: its residence resolved to a current ward and its province. */
export interface DoseRecord extends CheckedDose {
  wardCode: string;
  provinceCode: string;
}

const reject = (code: RejectionCode, field: string, message: string) => ({ ok: false as const, rejection: { code, field, message } });

/**
 * Checks one row of an upload (everything but the ward's existence); the failures are data for
 * `RejectedDose`. `source` is the uploader's account: a site records under its own name only.
 */
export function validateDose(input: DoseInput, source: string, products: ReadonlySet<string>, now = new Date()): { ok: true; dose: CheckedDose } | { ok: false; rejection: Rejection } {
  const recordId = input.recordId.trim();
  if (recordId.length === 0 || recordId.length > MAX_RECORD_ID_LENGTH) return reject('BAD_ROW', 'recordId', `recordId must be 1 to ${MAX_RECORD_ID_LENGTH} characters.`);
  if (!isUuid(input.personId)) return reject('BAD_ROW', 'personId', `personId must be a UUID, got "${truncate(input.personId)}".`);
  if (!products.has(input.product)) return reject('UNKNOWN_PRODUCT', 'product', `"${truncate(input.product)}" is not in the vaccine catalogue (vaccineProducts).`);
  if (!Number.isInteger(input.doseNumber) || input.doseNumber < 1 || input.doseNumber > MAX_DOSE_NUMBER) return reject('BAD_ROW', 'doseNumber', `doseNumber must be 1 to ${MAX_DOSE_NUMBER}.`);
  const lot = input.lot == null ? null : input.lot.trim();
  if (lot !== null && (lot.length === 0 || lot.length > MAX_LOT_LENGTH)) return reject('BAD_ROW', 'lot', `lot must be 1 to ${MAX_LOT_LENGTH} characters when given.`);
  const site = input.site ?? null;
  if (site && (!PROVINCE_CODE.test(site.province) || !isUuid(site.id))) {
    return reject('UNKNOWN_VACCINATION_SITE', 'site', 'site must name a province by its two-digit code and a site by its UUID.');
  }
  const wardCode = input.wardCode ?? null;
  const legacyWardCode = input.legacyWardCode ?? null;
  if ((wardCode === null) === (legacyWardCode === null)) return reject('BAD_ROW', 'wardCode', 'Give the residence ward as exactly one of wardCode (current) and legacyWardCode (pre-July-2025).');
  if (wardCode !== null && !WARD_CODE.test(wardCode)) return reject('UNKNOWN_WARD', 'wardCode', `wardCode must be five digits, got "${truncate(wardCode)}".`);
  if (legacyWardCode !== null && !WARD_CODE.test(legacyWardCode)) return reject('UNKNOWN_WARD', 'legacyWardCode', `legacyWardCode must be five digits, got "${truncate(legacyWardCode)}".`);
  const year = now.getUTCFullYear();
  if (input.birthYear == null || !Number.isInteger(input.birthYear) || input.birthYear < MIN_BIRTH_YEAR || input.birthYear > year) {
    return reject('BAD_ROW', 'birthYear', `birthYear is required, ${MIN_BIRTH_YEAR} to ${year}.`);
  }
  if (isInFuture(input.administeredAt, now)) return reject('TIME_IN_FUTURE', 'administeredAt', `administeredAt is in the future (more than ${CLOCK_SKEW_MS / 60_000} minutes ahead of the hub's clock).`);
  return {
    ok: true,
    dose: {
      source,
      recordId,
      personId: input.personId.toLowerCase(),
      productCode: input.product,
      doseNumber: input.doseNumber,
      administeredAt: input.administeredAt,
      lot,
      siteProvinceCode: site?.province ?? null,
      siteId: site ? site.id.toLowerCase() : null,
      wardCode,
      legacyWardCode,
      birthYear: input.birthYear,
    },
  };
}

export interface AdverseEventInput {
  doseId: string;
  occurredAt: Date;
  severity: AdverseEventSeverity;
  description: string;
}

/** Checks an adverse event report against its dose; a message for BAD_USER_INPUT, or null. */
export function adverseEventProblem(input: AdverseEventInput, administeredAt: Date, now = new Date()): { message: string; field: string } | null {
  if (!ADVERSE_EVENT_SEVERITIES.includes(input.severity)) return { message: 'Unknown severity.', field: 'severity' };
  const description = input.description.trim();
  if (description.length === 0 || description.length > MAX_DESCRIPTION_LENGTH) return { message: `description must be 1 to ${MAX_DESCRIPTION_LENGTH} characters.`, field: 'description' };
  if (isInFuture(input.occurredAt, now)) return { message: 'occurredAt is in the future.', field: 'occurredAt' };
  if (input.occurredAt.getTime() < administeredAt.getTime()) return { message: 'occurredAt is before the dose was given.', field: 'occurredAt' };
  return null;
}

/** A revocation's reason: what verifiers' operators and the person are told, so never empty. */
export const MAX_REVOCATION_REASON_LENGTH = 500;

/** Checks `revokeVaccinationCertificate`'s arguments; the checked values, or BAD_USER_INPUT's message and argument. */
export function revocationInput(certificateId: string, reason: string): { ok: true; certificateId: string; reason: string } | { ok: false; message: string; field: string } {
  if (!isUuid(certificateId)) return { ok: false, message: 'certificateId must be a UUID.', field: 'certificateId' };
  const trimmed = reason.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_REVOCATION_REASON_LENGTH) return { ok: false, message: `reason must be 1 to ${MAX_REVOCATION_REASON_LENGTH} characters.`, field: 'reason' };
  return { ok: true, certificateId: certificateId.toLowerCase(), reason: trimmed };
}
