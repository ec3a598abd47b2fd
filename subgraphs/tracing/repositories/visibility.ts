import { sql, type SQL } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { CaseScope, ContactScope } from '../access.ts';

/**
 * The SQL form of the access scopes (access.ts `admitsCase` / `admitsContact`), so that lists
 * read only the rows the caller may see. Each returns undefined when the scope admits every row;
 * NONE has no predicate (callers answer empty without a query).
 */

const provinces = (codes: readonly string[]): SQL => sql`${sql.param([...codes])}::text[]`;

/**
 * The values a scope's predicate compares with, as SQL: its own as parameters (`scopeValues`), or
 * placeholders of a statement built once (`scopePlaceholders`, filled from `scopePlaceholderValues`).
 */
export interface ScopeValues {
  provinces: SQL;
  personId: SQL;
}
type Scope = Exclude<CaseScope | ContactScope, { kind: 'NONE' }>;

const scopeValues = (scope: Scope): ScopeValues => ({
  provinces: scope.kind === 'PROVINCES' ? provinces(scope.provinces) : sql`null`,
  personId: scope.kind === 'PERSON' ? sql`${scope.personId}` : sql`null`,
});
/** Placeholders named `<name>Provinces` and `<name>Person`, so a statement with two scopes keeps each one's values apart. */
export const scopePlaceholders = (name: string): ScopeValues => ({
  provinces: sql`${sql.placeholder(`${name}Provinces`)}::text[]`,
  personId: sql`${sql.placeholder(`${name}Person`)}`,
});
export const scopePlaceholderValues = (name: string, scope: Scope | { kind: 'NONE' }): Record<string, string | string[] | null> => ({
  [`${name}Provinces`]: scope.kind === 'PROVINCES' ? [...scope.provinces] : null,
  [`${name}Person`]: scope.kind === 'PERSON' ? scope.personId : null,
});

/** A predicate on the `cases` table (as named in the statement's FROM). */
export function visibleCases(scope: Exclude<CaseScope, { kind: 'NONE' }>): SQL | undefined {
  return visibleCasesOfKind(scope.kind, scopeValues(scope));
}

/** The same for a scope's kind, its values given as SQL. */
export function visibleCasesOfKind(kind: Exclude<CaseScope['kind'], 'NONE'>, values: ScopeValues): SQL | undefined {
  switch (kind) {
    case 'ALL':
      return undefined;
    case 'PROVINCES':
      return sql`(${schema.cases.provinceCode} = any(${values.provinces})
        or exists (select 1 from ${schema.contacts} k where k.case_id = ${schema.cases.id} and k.home_province_code = any(${values.provinces})))`;
    case 'PERSON':
      return sql`${schema.cases.personId} = ${values.personId}::uuid`;
  }
}

/** A predicate on the `contacts` table (as named in the statement's FROM). */
export function visibleContacts(scope: Exclude<ContactScope, { kind: 'NONE' }>): SQL | undefined {
  return visibleContactsOfKind(scope.kind, scopeValues(scope));
}

/** The same for a scope's kind, its values given as SQL. */
export function visibleContactsOfKind(kind: Exclude<ContactScope['kind'], 'NONE'>, values: ScopeValues): SQL | undefined {
  switch (kind) {
    case 'ALL':
      return undefined;
    case 'PROVINCES':
      return sql`(${schema.contacts.homeProvinceCode} = any(${values.provinces})
        or exists (select 1 from ${schema.cases} c where c.id = ${schema.contacts.caseId} and c.province_code = any(${values.provinces})))`;
  }
}
