import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';

/** Kinds of health declaration (khai báo y tế); the SDL enum `HealthDeclarationKind` has the same values. */
export const DECLARATION_KINDS = ['ENTRY', 'DOMESTIC_TRAVEL', 'SYMPTOMS', 'ROUTINE'] as const;
export type DeclarationKind = (typeof DECLARATION_KINDS)[number];

/** Symptoms a person can declare; the SDL enum `Symptom` has the same values. */
export const SYMPTOMS = ['FEVER', 'COUGH', 'SHORTNESS_OF_BREATH', 'SORE_THROAT', 'LOSS_OF_TASTE_OR_SMELL', 'FATIGUE', 'OTHER'] as const;
export type Symptom = (typeof SYMPTOMS)[number];

const quoted = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/**
 * People who registered for health declarations. The national ID number is never stored: only
 * its keyed hash (HMAC-SHA256 under NATIONAL_ID_KEY), enough to find a person and refuse a
 * second registration, useless to anyone who copies the table without the key.
 */
export const people = pgTable(
  'people',
  {
    id: uuid('id').primaryKey(),
    fullName: text('full_name').notNull(),
    birthYear: integer('birth_year').notNull(),
    /** Normalised: ten digits starting with 0 (a +84 prefix is rewritten to 0). */
    phone: varchar('phone', { length: 10 }).notNull(),
    /** Hex HMAC-SHA256 of the digits of the national ID number; null when none was given. */
    nationalIdHash: varchar('national_id_hash', { length: 64 }),
    residenceWardCode: varchar('residence_ward_code', { length: 5 }).notNull(),
    residenceProvinceCode: varchar('residence_province_code', { length: 2 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('people_national_id_hash_idx').on(t.nationalIdHash),
    index('people_phone_idx').on(t.phone),
    index('people_residence_province_code_idx').on(t.residenceProvinceCode),
    check('people_birth_year_check', sql`${t.birthYear} >= 1900`),
  ],
);

/** Health declarations (khai báo y tế), each by one registered person. */
export const healthDeclarations = pgTable(
  'health_declarations',
  {
    id: uuid('id').primaryKey(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    kind: text('kind', { enum: DECLARATION_KINDS }).notNull(),
    symptoms: text('symptoms', { enum: SYMPTOMS }).array().notNull().default(sql`'{}'::text[]`),
    travel: text('travel'),
    exposureNote: text('exposure_note'),
    declaredAt: timestamp('declared_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('health_declarations_person_id_declared_at_idx').on(t.personId, t.declaredAt),
    check('health_declarations_kind_check', sql`${t.kind} in (${quoted(DECLARATION_KINDS)})`),
    check('health_declarations_symptoms_check', sql`${t.symptoms} <@ array[${quoted(SYMPTOMS)}]::text[]`),
  ],
);

/**
 * Break-the-glass grants: a province official opened the record of a person who lives outside their
 * jurisdiction, for a stated reason, until `expires_at`. Kept after expiry, so the owning province
 * (the person's residence province when the grant was opened) can see who looked and why.
 */
export const breakGlassGrants = pgTable(
  'break_glass_grants',
  {
    id: uuid('id').primaryKey(),
    /** The official's token subject. */
    officialSubject: text('official_subject').notNull(),
    /** The official's provinces when they opened the record. */
    officialProvinces: text('official_provinces').array().notNull(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    owningProvinceCode: varchar('owning_province_code', { length: 2 }).notNull(),
    reason: text('reason').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    // Every read by a province official outside their jurisdiction looks here.
    index('break_glass_grants_official_person_idx').on(t.officialSubject, t.personId, t.expiresAt),
    index('break_glass_grants_owning_province_idx').on(t.owningProvinceCode, t.openedAt),
    check('break_glass_grants_reason_check', sql`char_length(${t.reason}) between 10 and 500`),
    check('break_glass_grants_expiry_check', sql`${t.expiresAt} > ${t.openedAt}`),
  ],
);

/**
 * The audit trail of reads of identity data: the `audit_records` table shared by every subgraph
 * that audits reads of a person (subgraphs/shared/audit-table.ts), here in the declarations database.
 */
export { auditRecords } from '../../shared/audit-table.ts';
