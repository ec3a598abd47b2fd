import type { Identity } from '../shared/identity.ts';
import { isUuid } from '../shared/validate.ts';

/**
 * Which cases (F0) and contacts (F1/F2) a caller may read: the one place the tracing subgraph
 * decides it. Pure (no I/O). `scopesOf` turns the caller into a case scope and a contact scope;
 * the repositories put them into their SQL (repositories/visibility.ts) for every list, and the
 * reader (reader.ts) asks `decideCase` / `decideContact`, which judge one row by the same scopes,
 * for every single read.
 *
 * | caller            | cases                                              | contacts                                         |
 * |-------------------|----------------------------------------------------|--------------------------------------------------|
 * | national_official | all                                                | all                                              |
 * | service           | all                                                | all                                              |
 * | province_official | confirmed by a province of their jurisdiction, or  | of a case confirmed in their jurisdiction (all   |
 * | tracer            | with at least one contact whose home province is   | of them), or whose own home province is in their |
 * |                   | in their jurisdiction (they must see the case to   | jurisdiction (of any case)                       |
 * |                   | call their people)                                 |                                                  |
 * | citizen           | their own (case person = token subject)            | none                                             |
 * | partner           | none                                               | none                                             |
 *
 * A contact's home province is its residence province when the tracing run placed it
 * (`contacts.home_province_code`); a contact the run could not place has none, and is then
 * visible only with its case's province. Of a visible case, `Case.contacts` is the contact rule
 * applied to its contacts: all of them when the case's province is in the caller's jurisdiction,
 * otherwise only those whose home province is.
 *
 * Single reads (`case`, `contact`, `Case`/`Contact` references, `Contact.case`, `TracingRun.case`)
 * of a row that exists but is not visible are refused with FORBIDDEN (the field answers null);
 * lists (`cases`, `Person.cases`, `Case.contacts`) leave such rows out silently, and
 * `Person.contactStatus` counts only what the caller may see. A tracing run is reached only
 * through its case (`Case.run`), so it follows the case. Confirming a case is a write: a province
 * official may confirm one only for a province of their jurisdiction (`confirmRefusal`).
 *
 * Every read of a case or contact, and of `Person.cases` / `Person.contactStatus`, is audited
 * (audit.ts, reader.ts). `healthAuditTrail` (who read a person's health status) is for national
 * officials, and for province officials to whom at least one case or contact of the person is
 * visible by the rules above, holding the scope `audit:read` (`mayReadHealthAuditTrail`).
 */

export type CaseScope =
  | { kind: 'ALL' }
  /** Confirmed by one of these provinces, or with a contact living in one of them (never empty). */
  | { kind: 'PROVINCES'; provinces: readonly string[] }
  /** The cases of this person (a lower-case UUID). */
  | { kind: 'PERSON'; personId: string }
  | { kind: 'NONE' };

export type ContactScope =
  | { kind: 'ALL' }
  /** Of a case confirmed by one of these provinces, or living in one of them (never empty). */
  | { kind: 'PROVINCES'; provinces: readonly string[] }
  | { kind: 'NONE' };

export interface TracingAccess {
  cases: CaseScope;
  contacts: ContactScope;
}

export const NATIONWIDE: TracingAccess = { cases: { kind: 'ALL' }, contacts: { kind: 'ALL' } };
const NOTHING: TracingAccess = { cases: { kind: 'NONE' }, contacts: { kind: 'NONE' } };

export function scopesOf(identity: Identity): TracingAccess {
  switch (identity.role) {
    case 'national_official':
    case 'service':
      return NATIONWIDE;
    case 'province_official':
    case 'tracer': {
      if (identity.jurisdiction === 'all') return NATIONWIDE;
      if (identity.jurisdiction.length === 0) return NOTHING;
      const provinces = [...identity.jurisdiction];
      return { cases: { kind: 'PROVINCES', provinces }, contacts: { kind: 'PROVINCES', provinces } };
    }
    case 'citizen':
      // A subject that is no person id has no cases (and must not reach a uuid cast).
      return isUuid(identity.subject) ? { cases: { kind: 'PERSON', personId: identity.subject.toLowerCase() }, contacts: { kind: 'NONE' } } : NOTHING;
    case 'partner':
      return NOTHING;
  }
}

/** What the policy needs to know about a case. */
export interface CaseFacts {
  personId: string;
  provinceCode: string;
  /** The distinct home provinces of the case's contacts; needed only when `needsContactProvinces`. */
  contactHomeProvinces: readonly string[];
}

/** What the policy needs to know about a contact. */
export interface ContactFacts {
  /** The province that confirmed the contact's case. */
  caseProvinceCode: string;
  homeProvinceCode: string | null;
}

export type Decision =
  | { outcome: 'VISIBLE' }
  /** `why` is written for the caller and names no personal data (not even a province of the row). */
  | { outcome: 'DENIED'; why: string };

const VISIBLE: Decision = { outcome: 'VISIBLE' };

/** The meaning of a case scope for one case: what the repositories' SQL predicate selects. */
export function admitsCase(scope: CaseScope, facts: CaseFacts): boolean {
  switch (scope.kind) {
    case 'ALL':
      return true;
    case 'PROVINCES':
      return scope.provinces.includes(facts.provinceCode) || facts.contactHomeProvinces.some((p) => scope.provinces.includes(p));
    case 'PERSON':
      return scope.personId === facts.personId.toLowerCase();
    case 'NONE':
      return false;
  }
}

/** The meaning of a contact scope for one contact: what the repositories' SQL predicate selects. */
export function admitsContact(scope: ContactScope, facts: ContactFacts): boolean {
  switch (scope.kind) {
    case 'ALL':
      return true;
    case 'PROVINCES':
      return scope.provinces.includes(facts.caseProvinceCode) || (facts.homeProvinceCode !== null && scope.provinces.includes(facts.homeProvinceCode));
    case 'NONE':
      return false;
  }
}

/** Whether `decideCase` needs the case's contact home provinces (so the reader only loads them then). */
export function needsContactProvinces(identity: Identity, caseProvinceCode: string): boolean {
  const scope = scopesOf(identity).cases;
  return scope.kind === 'PROVINCES' && !scope.provinces.includes(caseProvinceCode);
}

export function decideCase(identity: Identity, facts: CaseFacts): Decision {
  if (admitsCase(scopesOf(identity).cases, facts)) return VISIBLE;
  switch (identity.role) {
    case 'citizen':
      return { outcome: 'DENIED', why: 'You may read only your own cases.' };
    case 'partner':
      return { outcome: 'DENIED', why: 'Partners may not read cases.' };
    default:
      return { outcome: 'DENIED', why: 'You may not read this case: it was confirmed outside your jurisdiction and none of its contacts lives in your provinces.' };
  }
}

export function decideContact(identity: Identity, facts: ContactFacts): Decision {
  if (admitsContact(scopesOf(identity).contacts, facts)) return VISIBLE;
  switch (identity.role) {
    case 'citizen':
      return { outcome: 'DENIED', why: 'Contacts of cases are not shown to citizens.' };
    case 'partner':
      return { outcome: 'DENIED', why: 'Partners may not read contacts.' };
    default:
      return { outcome: 'DENIED', why: 'You may not read this contact: neither their case nor their home is in your jurisdiction.' };
  }
}

/**
 * `confirmCase`: a province official confirms cases for the provinces of their jurisdiction only.
 * Other callers that hold `cases:write` (national officials, or a token granting it) are not
 * restricted here, as before. Null when the caller may; otherwise why not (for a FORBIDDEN error).
 */
export function confirmRefusal(identity: Identity, provinceCode: string): string | null {
  if (identity.role !== 'province_official' || identity.jurisdiction === 'all' || identity.jurisdiction.includes(provinceCode)) return null;
  return 'You may confirm cases only for a province of your jurisdiction.';
}

/** The scope an official needs to read a person's audit trail (here: of reads of their health status). */
export const AUDIT_READ_SCOPE = 'audit:read';

/**
 * `healthAuditTrail`: national officials, and province officials who may see at least one of the
 * person's cases or contacts (`personVisible`: the person's contact status under the caller's
 * scopes is not NONE), holding `audit:read`. Tracers, citizens, partners and services: never.
 */
export function mayReadHealthAuditTrail(identity: Identity, personVisible: boolean): boolean {
  if (!identity.scopes.includes(AUDIT_READ_SCOPE)) return false;
  if (identity.role === 'national_official') return true;
  return identity.role === 'province_official' && personVisible;
}
