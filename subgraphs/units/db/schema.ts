import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, primaryKey, smallint, text, varchar } from 'drizzle-orm/pg-core';

/** Provinces of the current (34-province, since 1 July 2025) structure. */
export const provinces = pgTable('provinces', {
  code: varchar('code', { length: 2 }).primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
});

/** Commune-level units (phường, xã, đặc khu) of the current structure. */
export const wards = pgTable(
  'wards',
  {
    code: varchar('code', { length: 5 }).primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    provinceCode: varchar('province_code', { length: 2 })
      .notNull()
      .references(() => provinces.code),
  },
  (t) => [index('wards_province_code_idx').on(t.provinceCode)],
);

/**
 * Units of the 63-province structure in force before 1 July 2025 (provinces, districts, wards).
 * Kept apart from the current units because the same code means different units in the two.
 */
export const legacyUnits = pgTable(
  'legacy_units',
  {
    code: varchar('code', { length: 5 }).primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    level: text('level', { enum: ['province', 'district', 'ward'] }).notNull(),
    parentCode: varchar('parent_code', { length: 5 }),
  },
  (t) => [index('legacy_units_parent_code_idx').on(t.parentCode)],
);

/** Old ward → current ward(s). An old ward split across several new wards has several rows. */
export const legacyWardSuccessors = pgTable(
  'legacy_ward_successors',
  {
    oldWardCode: varchar('old_ward_code', { length: 5 }).notNull(),
    newWardCode: varchar('new_ward_code', { length: 5 }).notNull(),
  },
  (t) => [primaryKey({ name: 'legacy_ward_successors_pkey', columns: [t.oldWardCode, t.newWardCode] })],
);

/**
 * Population (dân số) per current ward and age group (subgraphs/shared/age-groups.ts): the
 * denominator of vaccination coverage. Loaded by `npm run units:import -- --population FILE` from
 * figures the operator supplies (official ones come from the General Statistics Office's census,
 * Tổng cục Thống kê); the demo seed gives the demo wards illustrative figures only.
 */
export const wardPopulation = pgTable(
  'ward_population',
  {
    wardCode: varchar('ward_code', { length: 5 })
      .notNull()
      .references(() => wards.code),
    ageGroup: text('age_group').notNull(),
    population: bigint('population', { mode: 'number' }).notNull(),
    /** The year the figures describe (e.g. a census year). */
    referenceYear: smallint('reference_year').notNull(),
  },
  (t) => [
    primaryKey({ name: 'ward_population_pkey', columns: [t.wardCode, t.ageGroup] }),
    check('ward_population_population_check', sql`${t.population} >= 0`),
  ],
);
