import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, primaryKey, smallint, text, timestamp, unique, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';

/** A person's vaccination status; the SDL enum `VaccinationStatus` has the same values. */
export const VACCINATION_STATUSES = ['NONE', 'PARTIAL', 'FULL', 'BOOSTED'] as const;
export type VaccinationStatus = (typeof VACCINATION_STATUSES)[number];

/** How bad an adverse event was (mức độ phản ứng sau tiêm); the SDL enum `AdverseEventSeverity` has the same values. */
export const ADVERSE_EVENT_SEVERITIES = ['MILD', 'MODERATE', 'SEVERE', 'LIFE_THREATENING'] as const;
export type AdverseEventSeverity = (typeof ADVERSE_EVENT_SEVERITIES)[number];

const quoted = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));
const at = (name: string) => timestamp(name, { withTimezone: true });

/**
 * The vaccine catalogue (danh mục vắc xin): data, written by the module's `prepare` from
 * DEFAULT_PRODUCTS (products.ts) at every start; an operator may add products with SQL.
 */
export const vaccineProducts = pgTable(
  'vaccine_products',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    manufacturer: text('manufacturer').notNull(),
    /** Doses that make the primary series (mũi cơ bản); any dose beyond is a booster (mũi nhắc lại). */
    dosesInPrimarySeries: smallint('doses_in_primary_series').notNull(),
  },
  (t) => [check('vaccine_products_series_check', sql`${t.dosesInPrimarySeries} between 1 and 5`)],
);

/** The age groups coverage is counted in (subgraphs/shared/age-groups.ts), as data. */
export const ageGroups = pgTable(
  'age_groups',
  {
    code: text('code').primaryKey(),
    minAge: smallint('min_age').notNull(),
    /** Null: no upper bound. */
    maxAge: smallint('max_age'),
  },
  (t) => [check('age_groups_range_check', sql`${t.minAge} >= 0 and (${t.maxAge} is null or ${t.maxAge} >= ${t.minAge})`)],
);

/**
 * Doses given (mũi tiêm), one row per dose. `source` is who sent the record (a vaccination site's
 * partner account) and `record_id` its own id of the record: unique together, the key of a
 * repeated upload. The person's residence ward (current code, the legacy one mapped through the
 * units subgraph) and birth year come with the record: coverage is counted from them, never from
 * another subgraph's database.
 */
export const doses = pgTable(
  'doses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    source: text('source').notNull(),
    recordId: text('record_id').notNull(),
    personId: uuid('person_id').notNull(),
    productCode: text('product_code')
      .notNull()
      .references(() => vaccineProducts.code),
    doseNumber: smallint('dose_number').notNull(),
    lot: text('lot'),
    administeredAt: at('administered_at').notNull(),
    /** The vaccination site (a province shard's entity): its province and id, not checked against the shard. */
    siteProvinceCode: varchar('site_province_code', { length: 2 }),
    siteId: uuid('site_id'),
    /** The person's residence when vaccinated: current ward and its province. */
    wardCode: varchar('ward_code', { length: 5 }).notNull(),
    provinceCode: varchar('province_code', { length: 2 }).notNull(),
    /** The pre-July-2025 ward code the record named, when it named one (mapped to `ward_code`). */
    legacyWardCode: varchar('legacy_ward_code', { length: 5 }),
    birthYear: smallint('birth_year').notNull(),
    recordedAt: at('recorded_at').notNull().defaultNow(),
  },
  (t) => [
    unique('doses_source_record_key').on(t.source, t.recordId),
    index('doses_person_administered_idx').on(t.personId, t.administeredAt),
    check('doses_number_check', sql`${t.doseNumber} between 1 and 10`),
    check('doses_site_check', sql`(${t.siteProvinceCode} is null) = (${t.siteId} is null)`),
  ],
);

/** Adverse events after a dose (phản ứng sau tiêm), reported by officials, the site or the person. */
export const adverseEvents = pgTable(
  'adverse_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    doseId: uuid('dose_id')
      .notNull()
      .references(() => doses.id),
    occurredAt: at('occurred_at').notNull(),
    severity: text('severity', { enum: ADVERSE_EVENT_SEVERITIES }).notNull(),
    description: text('description').notNull(),
    /** The token subject of whoever reported it. */
    reportedBy: text('reported_by').notNull(),
    reportedAt: at('reported_at').notNull().defaultNow(),
  },
  (t) => [
    index('adverse_events_dose_idx').on(t.doseId, t.occurredAt),
    check('adverse_events_severity_check', sql`${t.severity} in (${quoted(ADVERSE_EVENT_SEVERITIES)})`),
  ],
);

/**
 * Each vaccinated person's status as counted in coverage (one row per person with a dose): kept in
 * the same transaction as their doses, so the counters below can move a person from one status,
 * ward or birth year to another exactly once. Beside the status and place, what they are derived
 * from (repositories/rollups.ts): the first dose (lowest number, then earliest) and its product's
 * primary series, the set of dose numbers, the latest dose's time; so an upload's new doses update
 * a person's row without reading their earlier doses.
 */
export const personStatus = pgTable(
  'person_status',
  {
    personId: uuid('person_id').primaryKey(),
    status: text('status', { enum: VACCINATION_STATUSES }).notNull(),
    wardCode: varchar('ward_code', { length: 5 }).notNull(),
    provinceCode: varchar('province_code', { length: 2 }).notNull(),
    birthYear: smallint('birth_year').notNull(),
    /** Doses in the primary series of the first dose's product. */
    series: smallint('series').notNull(),
    firstDoseNumber: smallint('first_dose_number').notNull(),
    firstAdministeredAt: at('first_administered_at').notNull(),
    /** The dose numbers recorded, as bits: dose n sets bit n (numbers are 1 to 10). */
    doseNumbers: integer('dose_numbers').notNull(),
    /** When the latest dose (whose residence and birth year the row holds) was given. */
    latestAdministeredAt: at('latest_administered_at').notNull(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [check('person_status_status_check', sql`${t.status} in ('PARTIAL', 'FULL', 'BOOSTED')`)],
);

/**
 * Coverage counters (the rollup `vaccinationCoverage` reads): people by area and birth year. An
 * area is `VN` (nationwide), a two-digit province code or a five-digit ward code; counting by
 * birth year lets an age group be a range of rows whatever the current year. `full` counts FULL
 * and BOOSTED people, `at_least_one` every vaccinated person.
 */
export const coverageCounts = pgTable(
  'coverage_counts',
  {
    area: varchar('area', { length: 5 }).notNull(),
    birthYear: smallint('birth_year').notNull(),
    atLeastOneDose: bigint('at_least_one_dose', { mode: 'number' }).notNull().default(0),
    full: bigint('full', { mode: 'number' }).notNull().default(0),
    boosted: bigint('boosted', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ name: 'coverage_counts_pkey', columns: [t.area, t.birthYear] })],
);

/**
 * The audit trail of reads of doses and statuses: the `audit_records` table shared by every
 * subgraph that audits reads of a person (subgraphs/shared/audit-table.ts).
 */
export { auditRecords } from '../../shared/audit-table.ts';

// ---- Certificates and the health pass (V-cert) -------------------------------------------------

/** A health pass color; the SDL enum `HealthPassColor` has the same values. */
export const HEALTH_PASS_COLORS = ['GREEN', 'YELLOW', 'RED'] as const;

/**
 * Certificates issued (chứng nhận tiêm chủng): one row per person and content (name, birth year,
 * doses), so asking again for the same content gives the same certificate id and issue time. A
 * revocation closes the row; the next request for the person makes a new row, a new id. The
 * token is not stored: it is signed again from the row and the doses on each request.
 */
export const certificates = pgTable(
  'certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id').notNull(),
    /** sha256 of the payload without its id and issue time: another content is another certificate. */
    contentHash: text('content_hash').notNull(),
    issuedAt: at('issued_at').notNull().defaultNow(),
    revokedAt: at('revoked_at'),
    /** Who revoked it (the official's token subject) and why. */
    revokedBy: text('revoked_by'),
    revocationReason: text('revocation_reason'),
  },
  (t) => [
    uniqueIndex('certificates_current_key').on(t.personId, t.contentHash).where(sql`${t.revokedAt} is null`),
    index('certificates_revoked_idx').on(t.revokedAt).where(sql`${t.revokedAt} is not null`),
    check('certificates_revocation_check', sql`(${t.revokedAt} is null) = (${t.revocationReason} is null) and (${t.revokedAt} is null) = (${t.revokedBy} is null)`),
  ],
);

/**
 * The health pass rule (health-pass.ts): rows tried by priority, the first whose every set
 * condition holds gives the color. Written by the module's `prepare` from
 * DEFAULT_HEALTH_PASS_RULES when missing; an operator may change rows with SQL.
 */
export const healthPassRules = pgTable(
  'health_pass_rules',
  {
    name: text('name').primaryKey(),
    priority: integer('priority').notNull(),
    color: text('color').notNull(),
    reasonVi: text('reason_vi').notNull(),
    reasonEn: text('reason_en').notNull(),
    vaccinationStatuses: text('vaccination_statuses').array(),
    infectedMinDays: integer('infected_min_days'),
    infectedMaxDays: integer('infected_max_days'),
    negativeWithinHours: integer('negative_within_hours'),
    underFollowUp: boolean('under_follow_up'),
  },
  (t) => [
    check('health_pass_rules_color_check', sql`${t.color} in (${quoted(HEALTH_PASS_COLORS)})`),
    check('health_pass_rules_statuses_check', sql`${t.vaccinationStatuses} <@ array[${quoted(VACCINATION_STATUSES)}]::text[]`),
  ],
);

/** Domain events for the analytics subgraph, written with each change and relayed to the queue (shared/outbox.ts). */
export { outboxEvents } from '../../shared/outbox-table.ts';
