import { badInput } from '../shared/errors.ts';
import { CLOCK_SKEW_MS, PROVINCE_CODE, isInFuture, isUuid, truncate } from '../shared/validate.ts';
import type { SampleType, TestKind, TestOutcome } from './db/schema.ts';

/** The most rows one `recordTestResults` call may carry. */
export const MAX_RESULTS_BATCH = 5000;
export const MAX_SAMPLE_ID_LENGTH = 64;
export const MAX_LAB_LENGTH = 100;
export const MIN_POOL_SIZE = 2;
export const MAX_POOL_SIZE = 10;
export const MAX_CT_VALUE = 50;

/** `TestResultInput` as the DateTime scalar has already parsed it. */
export interface TestResultInput {
  sampleId: string;
  personId: string;
  kind: TestKind;
  result: TestOutcome;
  collectedAt: Date;
  resultedAt: Date;
  lab?: string | null;
  sampleType?: SampleType | null;
  testingSite?: { province: string; id: string } | null;
  ctValue?: number | null;
  pool?: { members: string[] } | null;
}

export const REJECTION_CODES = ['BAD_ROW', 'UNKNOWN_TESTING_SITE', 'UNKNOWN_PERSON', 'RESULTED_BEFORE_COLLECTED', 'TIME_IN_FUTURE', 'SAMPLE_ID_CONFLICT'] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  code: RejectionCode;
  field: string;
  message: string;
}

/** A row as it is stored: normalised (lower-case ids), with its lab, its members (one for a sample of one person). */
export interface TestSample {
  lab: string;
  sampleId: string;
  /** The people whose swabs are in the sample, sorted; one unless pooled. */
  members: string[];
  pooled: boolean;
  kind: TestKind;
  result: TestOutcome;
  sampleType: SampleType | null;
  collectedAt: Date;
  resultedAt: Date;
  siteProvinceCode: string | null;
  siteId: string | null;
  ctValue: number | null;
  /** A pool that was not negative: each member must be tested alone. */
  retestRequired: boolean;
}

/** Who the lab of an upload is: a partner is its token's subject, whatever the row says; others may name a lab. */
export interface Uploader {
  subject: string;
  isPartner: boolean;
}

const reject = (code: RejectionCode, field: string, message: string) => ({ ok: false as const, rejection: { code, field, message } });

/** Checks one row of an upload; the failures are data for `RejectedTestResult`. */
export function validateTestResult(input: TestResultInput, uploader: Uploader, now = new Date()): { ok: true; sample: TestSample } | { ok: false; rejection: Rejection } {
  const sampleId = input.sampleId.trim();
  if (sampleId.length === 0 || sampleId.length > MAX_SAMPLE_ID_LENGTH) return reject('BAD_ROW', 'sampleId', `sampleId must be 1 to ${MAX_SAMPLE_ID_LENGTH} characters.`);
  if (!isUuid(input.personId)) return reject('BAD_ROW', 'personId', `personId must be a UUID, got "${truncate(input.personId)}".`);
  const lab = input.lab == null ? uploader.subject : input.lab.trim();
  if (uploader.isPartner && lab !== uploader.subject) return reject('BAD_ROW', 'lab', 'A lab records its own results only: lab must be omitted or be your account.');
  if (lab.length === 0 || lab.length > MAX_LAB_LENGTH) return reject('BAD_ROW', 'lab', `lab must be 1 to ${MAX_LAB_LENGTH} characters.`);
  const site = input.testingSite ?? null;
  if (site && (!PROVINCE_CODE.test(site.province) || !isUuid(site.id))) {
    return reject('UNKNOWN_TESTING_SITE', 'testingSite', 'testingSite must name a province by its two-digit code and a site by its UUID.');
  }
  const ctValue = input.ctValue ?? null;
  if (ctValue !== null && input.kind !== 'PCR') return reject('BAD_ROW', 'ctValue', 'Only a PCR test has a Ct value.');
  if (ctValue !== null && !(ctValue > 0 && ctValue <= MAX_CT_VALUE)) return reject('BAD_ROW', 'ctValue', `ctValue must be above 0 and at most ${MAX_CT_VALUE}.`);
  const future = `is in the future (more than ${CLOCK_SKEW_MS / 60_000} minutes ahead of the hub's clock).`;
  if (isInFuture(input.collectedAt, now)) return reject('TIME_IN_FUTURE', 'collectedAt', `collectedAt ${future}`);
  if (isInFuture(input.resultedAt, now)) return reject('TIME_IN_FUTURE', 'resultedAt', `resultedAt ${future}`);
  if (input.resultedAt.getTime() < input.collectedAt.getTime()) return reject('RESULTED_BEFORE_COLLECTED', 'resultedAt', 'resultedAt is before collectedAt.');
  const personId = input.personId.toLowerCase();
  let members = [personId];
  if (input.pool) {
    if (!input.pool.members.every(isUuid)) return reject('BAD_ROW', 'pool', 'Every pool member must be a UUID.');
    members = [...new Set(input.pool.members.map((m) => m.toLowerCase()))].sort();
    if (members.length !== input.pool.members.length) return reject('BAD_ROW', 'pool', 'A pool names each member once.');
    if (members.length < MIN_POOL_SIZE || members.length > MAX_POOL_SIZE) return reject('BAD_ROW', 'pool', `A pool holds ${MIN_POOL_SIZE} to ${MAX_POOL_SIZE} people.`);
    if (!members.includes(personId)) return reject('BAD_ROW', 'pool', 'personId must be one of the pool members.');
  }
  const pooled = input.pool != null;
  return {
    ok: true,
    sample: {
      lab,
      sampleId,
      members,
      pooled,
      kind: input.kind,
      result: input.result,
      sampleType: input.sampleType ?? null,
      collectedAt: input.collectedAt,
      resultedAt: input.resultedAt,
      siteProvinceCode: site?.province ?? null,
      siteId: site ? site.id.toLowerCase() : null,
      ctValue,
      retestRequired: pooled && input.result !== 'NEGATIVE',
    },
  };
}

/**
 * The rejection of a valid row that names a site or person the graph does not know
 * (references.ts), or null: the site first, then the person, then the pool's other members.
 */
export function referenceRejection(sample: TestSample, unknown: { sites: ReadonlySet<string>; people: ReadonlySet<string> }, personId: string): Rejection | null {
  if (sample.siteId !== null && unknown.sites.has(`${sample.siteProvinceCode}:${sample.siteId}`)) {
    return { code: 'UNKNOWN_TESTING_SITE', field: 'testingSite', message: `Province ${sample.siteProvinceCode} has no testing site ${sample.siteId}.` };
  }
  if (unknown.people.has(personId)) return { code: 'UNKNOWN_PERSON', field: 'personId', message: `No person ${personId} is registered.` };
  const member = sample.members.find((m) => unknown.people.has(m));
  return member ? { code: 'UNKNOWN_PERSON', field: 'pool', message: `Pool member ${member} is not registered.` } : null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A day argument (YYYY-MM-DD, a Vietnam calendar day): a real date, else BAD_USER_INPUT. */
/** The largest page of a day's list (`testingSchedule`, `TestingSite.results`). */
export const MAX_PAGE = 1000;

/** A page of a day's list: the rows after `offset` of its order, at most `limit`. */
export interface Page {
  limit: number;
  offset: number;
}

export function requirePage(limit: number, offset: number): Page {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw badInput(`limit must be between 1 and ${MAX_PAGE}, got ${limit}`, 'limit');
  if (!Number.isInteger(offset) || offset < 0) throw badInput(`offset must be 0 or more, got ${offset}`, 'offset');
  return { limit, offset };
}

export function requireDay(value: string, argument = 'date'): string {
  const match = DATE.exec(value);
  const parsed = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!parsed || parsed.toISOString().slice(0, 10) !== value) throw badInput(`${argument} must be a day as YYYY-MM-DD, got "${truncate(value)}"`, argument);
  return value;
}
