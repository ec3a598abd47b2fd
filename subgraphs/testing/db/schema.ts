import { sql } from 'drizzle-orm';
import { primaryKey, bigint, boolean, check, date, index, integer, pgTable, real, text, timestamp, unique, uuid, varchar } from 'drizzle-orm/pg-core';

/** Kinds of test; the SDL enum `TestKind` has the same values. */
export const TEST_KINDS = ['PCR', 'RAPID_ANTIGEN'] as const;
export type TestKind = (typeof TEST_KINDS)[number];

/** Results a lab reports; the SDL enum `TestOutcome` has the same values. */
export const TEST_OUTCOMES = ['POSITIVE', 'NEGATIVE', 'INCONCLUSIVE', 'INVALID'] as const;
export type TestOutcome = (typeof TEST_OUTCOMES)[number];

/** Sample types (loại mẫu); the SDL enum `SampleType` has the same values. */
export const SAMPLE_TYPES = ['NASOPHARYNGEAL_SWAB', 'OROPHARYNGEAL_SWAB', 'NASAL_SWAB', 'SALIVA'] as const;
export type SampleType = (typeof SAMPLE_TYPES)[number];

const quoted = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));
const at = (name: string) => timestamp(name, { withTimezone: true });

/**
 * Test results (kết quả xét nghiệm), one row per person per sample. A pooled sample (gộp mẫu) is
 * one row per member, all with the pool's sample id and `pool_size`; `retest_required` marks the
 * members of a pool that was not negative (each must be tested alone; the pool's result is not theirs).
 * The lab's sample id is unique per lab and person: the key of a repeated or corrected upload.
 */
export const testResults = pgTable(
  'test_results',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The lab that reported the result: a partner's token subject. */
    lab: text('lab').notNull(),
    sampleId: text('sample_id').notNull(),
    personId: uuid('person_id').notNull(),
    kind: text('kind', { enum: TEST_KINDS }).notNull(),
    sampleType: text('sample_type', { enum: SAMPLE_TYPES }),
    collectedAt: at('collected_at').notNull(),
    resultedAt: at('resulted_at').notNull(),
    /** The testing site (a province shard's entity): its province and id, not checked against the shard yet. */
    siteProvinceCode: varchar('site_province_code', { length: 2 }),
    siteId: uuid('site_id'),
    result: text('result', { enum: TEST_OUTCOMES }).notNull(),
    ctValue: real('ct_value'),
    /** Members of the pooled sample, null for a sample of one person. */
    poolSize: integer('pool_size'),
    retestRequired: boolean('retest_required').notNull().default(false),
    /** 1 for the first upload, +1 for each correction (the earlier versions are in test_result_revisions). */
    revision: integer('revision').notNull().default(1),
    recordedAt: at('recorded_at').notNull().defaultNow(),
    /**
     * The revision of an individual positive the confirmation jobs last judged (a case confirmed,
     * or no rule met); null until judged. A positive whose revision was not judged is queued again
     * by the jobs' sweep (its queueing was lost).
     */
    judgedRevision: integer('judged_revision'),
  },
  (t) => [
    unique('test_results_lab_sample_person_key').on(t.lab, t.sampleId, t.personId),
    // The sweep's look-up: few rows (positives not yet judged), so the index stays small.
    index('test_results_unjudged_positive_idx')
      .on(t.recordedAt)
      .where(sql`${t.result} = 'POSITIVE' and ${t.poolSize} is null and ${t.judgedRevision} is distinct from ${t.revision}`),
    index('test_results_person_resulted_idx').on(t.personId, t.resultedAt),
    // A testing site's results of a day (TestingSite.results, summary).
    index('test_results_site_collected_idx').on(t.siteProvinceCode, t.siteId, t.collectedAt),
    check('test_results_kind_check', sql`${t.kind} in (${quoted(TEST_KINDS)})`),
    check('test_results_result_check', sql`${t.result} in (${quoted(TEST_OUTCOMES)})`),
    check('test_results_times_check', sql`${t.resultedAt} >= ${t.collectedAt}`),
    check('test_results_site_check', sql`(${t.siteProvinceCode} is null) = (${t.siteId} is null)`),
    check('test_results_ct_check', sql`${t.ctValue} is null or (${t.kind} = 'PCR' and ${t.ctValue} > 0 and ${t.ctValue} <= 50)`),
    check('test_results_pool_check', sql`${t.poolSize} is null or ${t.poolSize} >= 2`),
  ],
);

/** Earlier versions of a corrected result: what the row said before each correction, and when it was replaced. */
export const testResultRevisions = pgTable(
  'test_result_revisions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    testResultId: uuid('test_result_id')
      .notNull()
      .references(() => testResults.id),
    revision: integer('revision').notNull(),
    kind: text('kind', { enum: TEST_KINDS }).notNull(),
    sampleType: text('sample_type', { enum: SAMPLE_TYPES }),
    collectedAt: at('collected_at').notNull(),
    resultedAt: at('resulted_at').notNull(),
    siteProvinceCode: varchar('site_province_code', { length: 2 }),
    siteId: uuid('site_id'),
    result: text('result', { enum: TEST_OUTCOMES }).notNull(),
    ctValue: real('ct_value'),
    retestRequired: boolean('retest_required').notNull(),
    recordedAt: at('recorded_at').notNull(),
    supersededAt: at('superseded_at').notNull().defaultNow(),
  },
  (t) => [unique('test_result_revisions_result_revision_key').on(t.testResultId, t.revision)],
);

/**
 * The audit trail of reads of test results: the `audit_records` table shared by every subgraph
 * that audits reads of a person (subgraphs/shared/audit-table.ts), here in the testing database.
 */
export { auditRecords } from '../../shared/audit-table.ts';

/** Domain events for the analytics subgraph, written with each change and relayed to the queue (shared/outbox.ts). */
export { outboxEvents } from '../../shared/outbox-table.ts';

/**
 * The rules under which positive results confirm a case (data, like tracing's contact rules): at
 * least `min_positives` individual positive results of `kind` whose samples were collected within
 * `within_hours` of each other (null: any single one). Pooled rows are never individual results.
 * The module's `prepare` writes the defaults (DEFAULT_CONFIRMATION_RULES, confirmation.ts).
 */
export const confirmationRules = pgTable(
  'confirmation_rules',
  {
    name: text('name').primaryKey(),
    kind: text('kind', { enum: TEST_KINDS }).notNull(),
    minPositives: integer('min_positives').notNull(),
    withinHours: integer('within_hours'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('confirmation_rules_kind_check', sql`${t.kind} in (${quoted(TEST_KINDS)})`),
    check('confirmation_rules_min_check', sql`${t.minPositives} >= 1 and (${t.minPositives} = 1 or ${t.withinHours} > 0)`),
  ],
);

/**
 * Tests a contact must take (lịch xét nghiệm của F1/F2), written by the tracing run through
 * `scheduleTests`: one row per contact and due day, so a repeated run changes nothing. Whether a
 * test is done is not stored: it is read from the person's results (repositories/schedules.ts).
 */
export const testSchedules = pgTable(
  'test_schedules',
  {
    contactId: uuid('contact_id').notNull(),
    caseId: uuid('case_id').notNull(),
    personId: uuid('person_id').notNull(),
    degree: text('degree').notNull(),
    /** A date in Vietnam (UTC+7): the exposure's day plus the rule's day number. */
    dueOn: date('due_on').notNull(),
    /** The contact's home province (its officials and tracers see the schedule); null when unknown. */
    homeProvinceCode: varchar('home_province_code', { length: 2 }),
    createdAt: at('created_at').notNull().defaultNow(),
    /** Set when the case was rejected before the test was done (`cancelTestSchedules`): no longer due. */
    cancelledAt: at('cancelled_at'),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.dueOn] }),
    index('test_schedules_person_due_idx').on(t.personId, t.dueOn),
    // A province's testing list of a day (Province.testingSchedule).
    index('test_schedules_home_due_idx').on(t.homeProvinceCode, t.dueOn),
  ],
);

/**
 * Cases an official rejected (`cancelTestSchedules`, called by the tracing subgraph's withdrawal
 * job): their schedules not yet done are cancelled, and `scheduleTests` writes no new one for
 * them (a late retry of the case's run does not bring them back).
 */
export const rejectedCases = pgTable('rejected_cases', {
  caseId: uuid('case_id').primaryKey(),
  rejectedAt: at('rejected_at').notNull().defaultNow(),
});
