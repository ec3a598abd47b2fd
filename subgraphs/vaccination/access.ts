import type { Identity } from '../shared/identity.ts';
import { healthDataScopeOf, type HealthDataScope } from '../shared/health-data-scope.ts';
import { isUuid } from '../shared/validate.ts';

/**
 * Who may read doses, statuses and coverage: the one place the vaccination subgraph decides it.
 * Pure (no I/O). Doses are health data, judged like cases and test results:
 *
 * | caller                     | doses and status                                                     | coverage             |
 * |----------------------------|----------------------------------------------------------------------|----------------------|
 * | national_official, service | all                                                                  | all                  |
 * | province_official          | doses given at a site of their provinces or to residents of them     | their provinces      |
 * | tracer                     | as a province official                                               | none (no scope)      |
 * | citizen                    | their own (person = token subject)                                   | none (no scope)      |
 * | partner (a site)           | none: sites record doses but never read them (FORBIDDEN)             | none                 |
 *
 * A person's status is visible when their residence (the province of their latest dose's ward) is
 * in the caller's scope; lists are filtered in SQL by `scopeOf`; a single dose the caller may not
 * see is FORBIDDEN.
 */
/** Doses a caller may read: `PROVINCES` means given at a site of, or to a resident of, those provinces. */
export type DoseScope = HealthDataScope;

export const scopeOf: (identity: Identity) => DoseScope = healthDataScopeOf;

/** What the policy needs to know about a dose. */
export interface DoseFacts {
  personId: string;
  siteProvinceCode: string | null;
  provinceCode: string;
}

/** The meaning of a scope for one dose: what the repository's SQL predicate selects. */
export function admitsDose(scope: DoseScope, facts: DoseFacts): boolean {
  switch (scope.kind) {
    case 'ALL':
      return true;
    case 'PROVINCES':
      return scope.provinces.includes(facts.provinceCode) || (facts.siteProvinceCode !== null && scope.provinces.includes(facts.siteProvinceCode));
    case 'PERSON':
      return scope.personId === facts.personId.toLowerCase();
    case 'NONE':
      return false;
  }
}

/** Whether the caller may read the status of a person living in this province. */
export function admitsStatus(scope: DoseScope, personId: string, provinceCode: string): boolean {
  switch (scope.kind) {
    case 'ALL':
      return true;
    case 'PROVINCES':
      return scope.provinces.includes(provinceCode);
    case 'PERSON':
      return scope.personId === personId.toLowerCase();
    case 'NONE':
      return false;
  }
}

/** Sites (partners) never read doses, not even an empty list: null when the caller may read at all. */
export function readRefusal(identity: Identity): string | null {
  return identity.role === 'partner' ? 'Vaccination sites record doses but may not read them.' : null;
}

/** Why one dose is refused (for a FORBIDDEN error; names no personal data), or null when visible. */
export function doseRefusal(identity: Identity, facts: DoseFacts): string | null {
  const refusal = readRefusal(identity);
  if (refusal) return refusal;
  if (admitsDose(scopeOf(identity), facts)) return null;
  return identity.role === 'citizen' ? 'You may read only your own vaccinations.' : 'You may not read this dose: it was not given, nor to a resident, in your jurisdiction.';
}

/** Why a status is refused, or null when visible. */
export function statusRefusal(identity: Identity, personId: string, provinceCode: string): string | null {
  const refusal = readRefusal(identity);
  if (refusal) return refusal;
  if (admitsStatus(scopeOf(identity), personId, provinceCode)) return null;
  return identity.role === 'citizen' ? 'You may read only your own vaccination status.' : 'You may not read this vaccination status: the person does not live in your jurisdiction.';
}

/**
 * Coverage is an aggregate (no person in it), for officials: nationwide roles any area, a province
 * official the areas of their provinces. `province` is the area's province (null: nationwide).
 */
export function coverageRefusal(identity: Identity, province: string | null): string | null {
  if (identity.role === 'national_official' || identity.role === 'service' || identity.jurisdiction === 'all') return null;
  if (identity.role !== 'province_official') return 'Vaccination coverage is for officials.';
  if (province !== null && identity.jurisdiction.includes(province)) return null;
  return province === null ? 'A province official asks about the coverage of their provinces; nationwide coverage is for national officials.' : `Province ${province} is not in your jurisdiction.`;
}

/**
 * Who may report an adverse event after a dose: the site that recorded it (the dose's source), the
 * person themself, or anyone who may read the dose.
 */
export function adverseEventRefusal(identity: Identity, dose: DoseFacts & { source: string }): string | null {
  if (identity.role === 'partner') return dose.source === identity.subject ? null : 'A vaccination site reports adverse events after its own doses only.';
  return doseRefusal(identity, dose);
}

/**
 * Who may get a person's certificate (`vaccinationCertificate`): the person themself, national
 * officials and services, and province officials when the person lives in their provinces (the
 * province of the person's latest dose, as for the status; null: no dose, national only). Tracers
 * and partners never: a certificate is the person's document, not a tracing record.
 */
export function certificateRefusal(identity: Identity, personId: string, provinceCode: string | null): string | null {
  switch (identity.role) {
    case 'national_official':
    case 'service':
      return null;
    case 'citizen':
      return isUuid(identity.subject) && identity.subject.toLowerCase() === personId.toLowerCase() ? null : 'You may get only your own vaccination certificate.';
    case 'province_official':
      if (identity.jurisdiction === 'all' || (provinceCode !== null && identity.jurisdiction.includes(provinceCode))) return null;
      return 'You may get the certificates of people who live in your jurisdiction only.';
    case 'tracer':
    case 'partner':
      return 'Vaccination certificates are issued to the person and to officials only.';
  }
}

/** Who may revoke a certificate: national officials, and province officials for people living in their provinces. */
export function revocationRefusal(identity: Identity, provinceCode: string | null): string | null {
  if (identity.role === 'national_official' || (identity.role === 'province_official' && identity.jurisdiction === 'all')) return null;
  if (identity.role === 'province_official') {
    return provinceCode !== null && identity.jurisdiction !== 'all' && identity.jurisdiction.includes(provinceCode) ? null : 'You may revoke the certificates of people who live in your jurisdiction only.';
  }
  return 'Certificates are revoked by officials only.';
}
