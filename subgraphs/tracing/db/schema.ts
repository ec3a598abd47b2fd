import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, timestamp, unique, uuid, varchar } from 'drizzle-orm/pg-core';

/** Contact degrees: F1 (close contact of a case) and F2 (close contact of an F1). SDL enum `ContactDegree`. */
export const CONTACT_DEGREES = ['F1', 'F2'] as const;
export type ContactDegree = (typeof CONTACT_DEGREES)[number];

/** States of a tracing run; the SDL enum `TracingRunStatus` has the same values. */
export const TRACING_RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type TracingRunStatus = (typeof TRACING_RUN_STATUSES)[number];

/** States of a case; the SDL enum `CaseStatus` has the same values. A REJECTED case is not an open case. */
export const CASE_STATUSES = ['CONFIRMED', 'REJECTED'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

const quoted = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/**
 * The rules contacts are classified under. Data, not code: a rule is named on every case and
 * every contact so a result can be explained after the rule in force has changed.
 */
export const contactRules = pgTable(
  'contact_rules',
  {
    name: text('name').primaryKey(),
    /** Minimum time two people shared a venue to count as a close contact. */
    minOverlapMinutes: integer('min_overlap_minutes').notNull(),
    /** How many days before onset (or confirmation, without an onset) the case counts as infectious. */
    infectiousDaysBeforeOnset: integer('infectious_days_before_onset').notNull(),
    /** An open check-in counts as ending this long after it began; also bounds the overlap search. */
    maxStayMinutes: integer('max_stay_minutes').notNull(),
    /** Whether contacts of F1 contacts (F2) are traced as well. */
    traceF2: boolean('trace_f2').notNull(),
    /** Days after their exposure on which an F1 is tested (lịch xét nghiệm), e.g. 1, 3 and 7. */
    f1TestDays: integer('f1_test_days').array().notNull().default(sql`'{1,3,7}'::int[]`),
    /** Days after their exposure on which an F2 is tested, e.g. 1. */
    f2TestDays: integer('f2_test_days').array().notNull().default(sql`'{1}'::int[]`),
    /**
     * How many days after its confirmation a case stays open for automatic confirmations: a
     * positive result of the person later than that opens a new case (re-infection, tái nhiễm).
     */
    caseOpenDays: integer('case_open_days').notNull().default(90),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('contact_rules_min_overlap_minutes_check', sql`${t.minOverlapMinutes} > 0`),
    check('contact_rules_infectious_days_before_onset_check', sql`${t.infectiousDaysBeforeOnset} >= 0`),
    check('contact_rules_max_stay_minutes_check', sql`${t.maxStayMinutes} > 0`),
    check('contact_rules_case_open_days_check', sql`${t.caseOpenDays} > 0`),
  ],
);

/** Confirmed cases (ca bệnh F0). The person lives in the declarations subgraph; only the id is kept here. */
export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey(),
    personId: uuid('person_id').notNull(),
    /** The province whose center confirmed the case. */
    provinceCode: varchar('province_code', { length: 2 }).notNull(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }).notNull(),
    onsetAt: timestamp('onset_at', { withTimezone: true }),
    /** Stored, not recomputed: the window must not move if the rule's row is later edited. */
    infectiousFrom: timestamp('infectious_from', { withTimezone: true }).notNull(),
    infectiousTo: timestamp('infectious_to', { withTimezone: true }).notNull(),
    ruleName: text('rule_name')
      .notNull()
      .references(() => contactRules.name),
    /** The test results (ids in the testing subgraph) that confirmed the case automatically; empty when confirmed by hand. */
    evidenceResultIds: uuid('evidence_result_ids').array().notNull().default(sql`'{}'::uuid[]`),
    status: text('status', { enum: CASE_STATUSES }).notNull().default('CONFIRMED'),
    rejectedReason: text('rejected_reason'),
    rejectedAt: timestamp('rejected_at', { withTimezone: true }),
    /**
     * The earliest contact record of this person in an earlier, open case when the case was
     * confirmed: the link of the transmission chain (no foreign key: contacts reference cases).
     */
    infectedByContactId: uuid('infected_by_contact_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('cases_infected_by_idx').on(t.infectedByContactId),
    check('cases_status_check', sql`${t.status} in (${quoted(CASE_STATUSES)})`),
    check('cases_rejection_check', sql`(${t.status} = 'REJECTED') = (${t.rejectedReason} is not null)`),
    index('cases_province_confirmed_idx').on(t.provinceCode, t.confirmedAt),
    index('cases_person_idx').on(t.personId),
    check('cases_infectious_window_check', sql`${t.infectiousFrom} <= ${t.infectiousTo}`),
    check('cases_onset_check', sql`${t.onsetAt} is null or ${t.onsetAt} <= ${t.confirmedAt}`),
  ],
);

/**
 * Contacts (F1/F2) of a case. A person is classified once per case, at the strongest degree
 * (the unique key makes a re-run of the tracing worker change nothing).
 */
export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    personId: uuid('person_id').notNull(),
    degree: text('degree', { enum: CONTACT_DEGREES }).notNull(),
    /** For an F2: the F1 through whom they were exposed. Null for an F1. */
    viaPersonId: uuid('via_person_id'),
    venueId: uuid('venue_id').notNull(),
    overlapStart: timestamp('overlap_start', { withTimezone: true }).notNull(),
    overlapEnd: timestamp('overlap_end', { withTimezone: true }).notNull(),
    overlapMinutes: integer('overlap_minutes').notNull(),
    /** The rule the contact was classified under (by name, so the result can be explained later). */
    ruleName: text('rule_name')
      .notNull()
      .references(() => contactRules.name),
    classifiedAt: timestamp('classified_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * The province the contact lives in, as the tracing run found it when it placed the contact's
     * tracing task (the declarations subgraph's residence province); null until then, or when the
     * person has no known residence. Officials of this province may read the contact and its case
     * (subgraphs/tracing/access.ts).
     */
    homeProvinceCode: varchar('home_province_code', { length: 2 }),
  },
  (t) => [
    unique('contacts_case_person_key').on(t.caseId, t.personId),
    index('contacts_person_idx').on(t.personId),
    // The cases linked to a province through their contacts' homes (a province official's case list).
    index('contacts_home_province_case_idx').on(t.homeProvinceCode, t.caseId),
    check('contacts_degree_check', sql`${t.degree} in (${quoted(CONTACT_DEGREES)})`),
    check('contacts_via_check', sql`(${t.degree} = 'F1') = (${t.viaPersonId} is null)`),
    check('contacts_overlap_check', sql`${t.overlapStart} <= ${t.overlapEnd} and ${t.overlapMinutes} >= 0`),
  ],
);

/** One tracing run per case; its id is the case id (and the BullMQ job id), so a repeat is a no-op. */
export const tracingRuns = pgTable(
  'tracing_runs',
  {
    id: uuid('id')
      .primaryKey()
      .references(() => cases.id),
    status: text('status', { enum: TRACING_RUN_STATUSES }).notNull(),
    f1Count: integer('f1_count').notNull().default(0),
    f2Count: integer('f2_count').notNull().default(0),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Province codes that received tracing tasks for this run. */
    provincesNotified: text('provinces_notified').array().notNull().default(sql`'{}'::text[]`),
    /** Province codes whose tasks are still waiting for that province to answer (retried with backoff). */
    provincesPending: text('provinces_pending').array().notNull().default(sql`'{}'::text[]`),
    /** Contacts whose home province is unknown (not registered, or no residence): no task could be sent. */
    unplacedCount: integer('unplaced_count').notNull().default(0),
    error: text('error'),
  },
  (t) => [
    check('tracing_runs_status_check', sql`${t.status} in (${quoted(TRACING_RUN_STATUSES)})`),
    check('tracing_runs_counts_check', sql`${t.f1Count} >= 0 and ${t.f2Count} >= 0`),
    // The jobs' sweep of runs left QUEUED without a job: a few rows, whatever the number of cases.
    index('tracing_runs_queued_idx').on(t.queuedAt).where(sql`${t.status} = 'QUEUED'`),
  ],
);

/**
 * The audit trail of reads of health status (cases, contacts, contact status): the `audit_records`
 * table shared by every subgraph that audits reads of a person (subgraphs/shared/audit-table.ts),
 * here in the tracing database. Written by subgraphs/tracing/audit.ts through the shared audit hooks.
 */
export { auditRecords } from '../../shared/audit-table.ts';

/** Domain events for the analytics subgraph, written with each change and relayed to the queue (shared/outbox.ts). */
export { outboxEvents } from '../../shared/outbox-table.ts';
