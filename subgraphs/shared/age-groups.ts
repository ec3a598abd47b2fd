/**
 * The age groups (nhóm tuổi) that vaccination coverage and the ward population are counted in:
 * the vaccination subgraph stores them in its `age_groups` table (and answers `vaccinationAgeGroups`),
 * and the units import accepts population figures only for these codes, so both sides agree.
 * Age is the age reached in the current calendar year (year − birth year): records carry the birth
 * year only, as Vietnam's vaccination records did. `maxAge` null: no upper bound.
 */
export const AGE_GROUPS = [
  { code: '0-11', minAge: 0, maxAge: 11 },
  { code: '12-17', minAge: 12, maxAge: 17 },
  { code: '18-49', minAge: 18, maxAge: 49 },
  { code: '50-64', minAge: 50, maxAge: 64 },
  { code: '65+', minAge: 65, maxAge: null },
] as const satisfies ReadonlyArray<{ code: string; minAge: number; maxAge: number | null }>;

export type AgeGroupCode = (typeof AGE_GROUPS)[number]['code'];

export const AGE_GROUP_CODES: readonly string[] = AGE_GROUPS.map((g) => g.code);
