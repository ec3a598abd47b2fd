import type { Identity } from '../shared/identity.ts';
import { healthDataScopeOf, type HealthDataScope } from '../shared/health-data-scope.ts';

/**
 * Which test results a caller may read: the one place the testing subgraph decides it. Pure (no
 * I/O). Test results are health data, judged like cases (subgraphs/tracing/access.ts):
 *
 * | caller                     | results                                                              |
 * |----------------------------|----------------------------------------------------------------------|
 * | national_official, service | all                                                                  |
 * | province_official, tracer  | of samples taken at a testing site of their provinces (the row's     |
 * |                            | `site_province_code`); a result without a site: national only        |
 * | citizen                    | their own (person = token subject)                                   |
 * | partner (a lab)            | none: labs write results but never read them (FORBIDDEN)             |
 *
 * Lists (`Person.testResults`, `Person.latestTest`) are filtered in SQL by `scopeOf`; a single
 * read (`testResult`, a reference) of a row the caller may not see is FORBIDDEN; a partner is
 * refused every read, lists included.
 */
/** Test results a caller may read: `PROVINCES` means taken at a testing site of those provinces. */
export type TestResultScope = HealthDataScope;

export const scopeOf: (identity: Identity) => TestResultScope = healthDataScopeOf;

/** What the policy needs to know about a result. */
export interface ResultFacts {
  personId: string;
  siteProvinceCode: string | null;
}

/** The meaning of a scope for one row: what the repository's SQL predicate selects. */
export function admitsResult(scope: TestResultScope, facts: ResultFacts): boolean {
  switch (scope.kind) {
    case 'ALL':
      return true;
    case 'PROVINCES':
      return facts.siteProvinceCode !== null && scope.provinces.includes(facts.siteProvinceCode);
    case 'PERSON':
      return scope.personId === facts.personId.toLowerCase();
    case 'NONE':
      return false;
  }
}

/** Labs (partners) never read results, not even an empty list: null when the caller may read at all. */
export function readRefusal(identity: Identity): string | null {
  return identity.role === 'partner' ? 'Labs record test results but may not read them.' : null;
}

/** Why one result is refused (for a FORBIDDEN error; names no personal data), or null when visible. */
export function resultRefusal(identity: Identity, facts: ResultFacts): string | null {
  const refusal = readRefusal(identity);
  if (refusal) return refusal;
  if (admitsResult(scopeOf(identity), facts)) return null;
  return identity.role === 'citizen'
    ? 'You may read only your own test results.'
    : 'You may not read this test result: the sample was not taken in your jurisdiction.';
}

/**
 * Whether the caller may read a province's day of testing (`Province.testingSchedule`, a site's
 * `results` and `summary`): national officials and services, and officials and tracers of the
 * province. Null when allowed, else why not (for a FORBIDDEN error).
 */
export function provinceDayRefusal(identity: Identity, provinceCode: string): string | null {
  const refusal = readRefusal(identity);
  if (refusal) return refusal;
  const scope = scopeOf(identity);
  if (scope.kind === 'ALL' || (scope.kind === 'PROVINCES' && scope.provinces.includes(provinceCode))) return null;
  return `The testing lists and site results of province ${provinceCode} are for national officials and the province's officials and tracers.`;
}

export const AUDIT_READ_SCOPE = 'audit:read';

/**
 * Who may read a person's audit trail of test reads (`testResultAuditTrail`), holding the scope
 * `audit:read`: national officials, and province officials who may see at least one of the
 * person's results or scheduled tests (`personVisible`), as for cases (tracing's healthAuditTrail).
 */
export function mayReadTestAuditTrail(identity: Identity, personVisible: boolean): boolean {
  if (!identity.scopes.includes(AUDIT_READ_SCOPE)) return false;
  if (identity.role === 'national_official') return true;
  return identity.role === 'province_official' && personVisible;
}
