import type { Identity } from '../shared/identity.ts';
import type { AuditOutcome } from '../shared/audit-table.ts';

/**
 * Who may see which of a person's fields: the one place the declarations subgraph decides it.
 * Pure (no I/O): the reader (reader.ts) loads the person and any break-the-glass grant, asks
 * `decide`, masks the row with `mask` and audits the outcome of `auditOutcome`.
 *
 * | caller            | person                                          | visible                                        |
 * |-------------------|-------------------------------------------------|------------------------------------------------|
 * | national_official | anyone                                          | everything                                     |
 * | service           | anyone                                          | everything                                     |
 * | province_official | lives in one of their provinces, or under an    | everything                                     |
 * |                   | active break-the-glass grant they opened        |                                                |
 * |                   | anyone else                                     | nothing (DENIED)                               |
 * | tracer            | lives in a ward of their team (`wards` claim)   | everything                                     |
 * |                   | lives elsewhere in one of their provinces       | all but phone and declarations                 |
 * |                   | anyone else                                     | nothing (DENIED)                               |
 * | partner           | anyone, with scope `people:read`                | residence province only                        |
 * |                   | anyone, without it                              | nothing (DENIED)                               |
 * | citizen           | themselves (token subject = person id)          | everything                                     |
 * |                   | anyone else                                     | nothing (DENIED)                               |
 *
 * A tracer's contacts are "assigned to their team" when they live in one of the team's wards:
 * tracing tasks are assigned by ward (the province shard hands each ward's tasks to its team).
 */

/** The Person fields that carry personal data; `id` (the key) is not among them. */
export const PERSON_FIELDS = ['fullName', 'birthYear', 'phone', 'residence', 'residenceProvince', 'declarations', 'registeredAt'] as const;
export type PersonField = (typeof PERSON_FIELDS)[number];
const PERSON_FIELD_SET: ReadonlySet<string> = new Set(PERSON_FIELDS);
export const isPersonField = (name: string): name is PersonField => PERSON_FIELD_SET.has(name);

/** The scope a partner needs to read anything about a person (and then only the residence province). */
export const PEOPLE_READ_SCOPE = 'people:read';
/** The scope an official needs to read a person's audit trail. */
export const AUDIT_READ_SCOPE = 'audit:read';

export { AUDIT_OUTCOMES, type AuditOutcome } from '../shared/audit-table.ts';

/** What the policy needs to know about a person. */
export interface PersonFacts {
  id: string;
  residenceWardCode: string;
  residenceProvinceCode: string;
}

/** An active break-the-glass grant of the caller for this person (expiry already checked). */
export interface ActiveGrant {
  id: string;
  reason: string;
}

export type Decision =
  | { outcome: 'VISIBLE'; visible: ReadonlySet<PersonField>; grant: ActiveGrant | null }
  /** `why` is written for the caller and names no personal data (not even the person's province). */
  | { outcome: 'DENIED'; why: string };

const ALL: ReadonlySet<PersonField> = new Set(PERSON_FIELDS);
const TRACER_OUTSIDE_TEAM: ReadonlySet<PersonField> = new Set(['fullName', 'birthYear', 'residence', 'residenceProvince', 'registeredAt']);
const PARTNER: ReadonlySet<PersonField> = new Set(['residenceProvince']);

const visible = (fields: ReadonlySet<PersonField>, grant: ActiveGrant | null = null): Decision => ({ outcome: 'VISIBLE', visible: fields, grant });
const denied = (why: string): Decision => ({ outcome: 'DENIED', why });

export function inJurisdiction(identity: Identity, provinceCode: string): boolean {
  return identity.jurisdiction === 'all' || identity.jurisdiction.includes(provinceCode);
}

/** Whether `decide` may need the caller's break-the-glass grant for this person (so the reader only looks one up then). */
export function mayUseGrant(identity: Identity, person: PersonFacts): boolean {
  return identity.role === 'province_official' && !inJurisdiction(identity, person.residenceProvinceCode);
}

export function decide(identity: Identity, person: PersonFacts, grant: ActiveGrant | null): Decision {
  switch (identity.role) {
    case 'national_official':
    case 'service':
      return visible(ALL);
    case 'province_official':
      if (inJurisdiction(identity, person.residenceProvinceCode)) return visible(ALL);
      if (grant) return visible(ALL, grant);
      return denied('You may not read this person: they live outside your jurisdiction. To read the record for a stated reason, open it with openPersonRecord (break-the-glass).');
    case 'tracer':
      if (identity.wards?.includes(person.residenceWardCode)) return visible(ALL);
      if (inJurisdiction(identity, person.residenceProvinceCode)) return visible(TRACER_OUTSIDE_TEAM);
      return denied("You may not read this person: they live outside your team's provinces.");
    case 'partner':
      return identity.scopes.includes(PEOPLE_READ_SCOPE) ? visible(PARTNER) : denied(`You may not read this person: reading people needs the scope ${PEOPLE_READ_SCOPE}.`);
    case 'citizen':
      return identity.subject === person.id ? visible(ALL) : denied('You may read only your own record.');
  }
}

/**
 * Whether the caller may ask which ids are registered (`knownPersonIds`): the hub's services only
 * (the testing subgraph checks that an upload's people exist). The answer holds no personal data,
 * so it is not audited per person; for anyone else it would tell who is registered, unaudited.
 */
export const mayCheckRegistration = (identity: Identity): boolean => identity.role === 'service';

/** How a read of `requested` fields under `decision` is audited. */
export function auditOutcome(decision: Decision, requested: Iterable<string>): { outcome: AuditOutcome; masked: PersonField[] } {
  if (decision.outcome === 'DENIED') return { outcome: 'DENIED', masked: [] };
  const masked: PersonField[] = [];
  for (const field of requested) if (isPersonField(field) && !decision.visible.has(field)) masked.push(field);
  return { outcome: masked.length ? 'MASKED' : 'ALLOWED', masked };
}

/** A person as a resolver may see them: every field the caller may not see is null. */
export interface PersonView {
  id: string;
  fullName: string | null;
  birthYear: number | null;
  phone: string | null;
  residenceWardCode: string | null;
  residenceProvinceCode: string | null;
  createdAt: Date | null;
  /** Declarations are loaded only when this holds `declarations`. */
  visible: ReadonlySet<PersonField>;
}

export interface PersonRecord extends PersonFacts {
  fullName: string;
  birthYear: number;
  phone: string;
  createdAt: Date;
}

/** Masks a person for a decision that let them through; the row itself never reaches a resolver. */
export function mask(row: PersonRecord, fields: ReadonlySet<PersonField>): PersonView {
  const show = <T>(field: PersonField, value: T): T | null => (fields.has(field) ? value : null);
  return {
    id: row.id,
    fullName: show('fullName', row.fullName),
    birthYear: show('birthYear', row.birthYear),
    phone: show('phone', row.phone),
    residenceWardCode: show('residence', row.residenceWardCode),
    residenceProvinceCode: show('residenceProvince', row.residenceProvinceCode),
    createdAt: show('registeredAt', row.createdAt),
    visible: fields,
  };
}

// ---- who may use the trust queries themselves ----

/** `auditTrail`: national officials, or officials of the person's province, holding `audit:read`. */
export function mayReadAuditTrail(identity: Identity, personProvince: string | null): boolean {
  if (!identity.scopes.includes(AUDIT_READ_SCOPE)) return false;
  if (identity.role === 'national_official') return true;
  return identity.role === 'province_official' && (personProvince === null || inJurisdiction(identity, personProvince));
}

/** `breakGlassGrants(province)`: national officials and the officials of that province. */
export function mayListGrants(identity: Identity, province: string): boolean {
  if (identity.role === 'national_official') return true;
  return identity.role === 'province_official' && inJurisdiction(identity, province);
}

export const BREAK_GLASS_REASON_MIN = 10;
export const BREAK_GLASS_REASON_MAX = 500;
export const BREAK_GLASS_DEFAULT_TTL_MS = 60 * 60_000;

export type BreakGlassRefusal = 'ROLE_NOT_ALLOWED' | 'WITHIN_JURISDICTION' | 'PERSON_NOT_FOUND' | 'INVALID_REASON';

/** Whether a caller may open this person's record for this reason; null when they may. */
export function breakGlassRefusal(identity: Identity, person: PersonFacts | null, reason: string): BreakGlassRefusal | null {
  if (identity.role !== 'province_official') return 'ROLE_NOT_ALLOWED';
  const length = [...reason.trim()].length;
  if (length < BREAK_GLASS_REASON_MIN || length > BREAK_GLASS_REASON_MAX) return 'INVALID_REASON';
  if (!person) return 'PERSON_NOT_FOUND';
  if (inJurisdiction(identity, person.residenceProvinceCode)) return 'WITHIN_JURISDICTION';
  return null;
}
