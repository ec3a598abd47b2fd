import { sql, type SQL } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { CaseScope, ContactScope } from '../access.ts';

/**
 * The SQL form of the access scopes (access.ts `admitsCase` / `admitsContact`), so that lists
 * read only the rows the caller may see. Each returns undefined when the scope admits every row;
 * NONE has no predicate (callers answer empty without a query).
 */

const provinces = (codes: readonly string[]): SQL => sql`${sql.param([...codes])}::text[]`;

/** A predicate on the `cases` table (as named in the statement's FROM). */
export function visibleCases(scope: Exclude<CaseScope, { kind: 'NONE' }>): SQL | undefined {
  switch (scope.kind) {
    case 'ALL':
      return undefined;
    case 'PROVINCES':
      return sql`(${schema.cases.provinceCode} = any(${provinces(scope.provinces)})
        or exists (select 1 from ${schema.contacts} k where k.case_id = ${schema.cases.id} and k.home_province_code = any(${provinces(scope.provinces)})))`;
    case 'PERSON':
      return sql`${schema.cases.personId} = ${scope.personId}::uuid`;
  }
}

/** A predicate on the `contacts` table (as named in the statement's FROM). */
export function visibleContacts(scope: Exclude<ContactScope, { kind: 'NONE' }>): SQL | undefined {
  switch (scope.kind) {
    case 'ALL':
      return undefined;
    case 'PROVINCES':
      return sql`(${schema.contacts.homeProvinceCode} = any(${provinces(scope.provinces)})
        or exists (select 1 from ${schema.cases} c where c.id = ${schema.contacts.caseId} and c.province_code = any(${provinces(scope.provinces)})))`;
  }
}
