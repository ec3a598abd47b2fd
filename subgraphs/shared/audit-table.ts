import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The `audit_records` table, one definition for every subgraph that audits reads of a person's
 * data (declarations: identity data; tracing: health status). Each subgraph's `db/schema.ts`
 * re-exports it, so drizzle-kit generates it into that subgraph's own migrations and database.
 * Only drizzle imports here: drizzle-kit loads this file when it reads a schema.
 */

/** How a read of a person's data ended; the SDL enums (`AuditOutcome`, `HealthAuditOutcome`) list the ones their subgraph writes. */
export const AUDIT_OUTCOMES = ['ALLOWED', 'MASKED', 'DENIED'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

const quoted = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/**
 * One row per person per request that read (or was refused) a person's data: who, in which role
 * and jurisdiction, which fields, under which operation and purpose, when, and the outcome. Never
 * the personal data itself: no names, phones, national IDs or health status, only the person's id
 * and field names. No foreign key to people: an audit insert must stay one cheap statement.
 */
export const auditRecords = pgTable(
  'audit_records',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The caller's token subject. */
    subject: text('subject').notNull(),
    role: text('role').notNull(),
    /** Province codes the caller acted for, or `{all}`. */
    jurisdiction: text('jurisdiction').array().notNull(),
    personId: uuid('person_id').notNull(),
    /** The fields the operation read (field names only; each subgraph documents its list). */
    fields: text('fields').array().notNull(),
    /** Of those, the ones the caller was not allowed to see (answered null). Always empty in tracing. */
    maskedFields: text('masked_fields').array().notNull(),
    /** The client's operation name (the gateway's `__<subgraph>__N` suffix removed); null when anonymous. */
    operationName: text('operation_name'),
    purpose: text('purpose'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    /** The stated reason, for a break-the-glass opening and every read under its grant (declarations only). */
    reason: text('reason'),
    breakGlassGrantId: uuid('break_glass_grant_id'),
  },
  (t) => [
    index('audit_records_person_id_at_idx').on(t.personId, t.at),
    check('audit_records_outcome_check', sql`${t.outcome} in (${quoted(AUDIT_OUTCOMES)})`),
  ],
);
