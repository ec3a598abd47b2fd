import { createHash } from 'node:crypto';
import type { TestKind } from './db/schema.ts';

/** A confirmation rule as data (table confirmation_rules). */
export interface ConfirmationRule {
  name: string;
  kind: TestKind;
  minPositives: number;
  /** The positives' samples must be collected within this many hours of each other; null for a single one. */
  withinHours: number | null;
}

/**
 * Default: one positive individual PCR, or two positive rapid antigen tests within 48 hours.
 * Migration 0001 of the testing database inserts the same rows; keep the two in step.
 */
export const DEFAULT_CONFIRMATION_RULES: readonly ConfirmationRule[] = [
  { name: 'pcr-1', kind: 'PCR', minPositives: 1, withinHours: null },
  { name: 'rapid-2-48h', kind: 'RAPID_ANTIGEN', minPositives: 2, withinHours: 48 },
];

/** An individual positive result of the person (never a pooled row). */
export interface Positive {
  id: string;
  kind: TestKind;
  collectedAt: Date;
  resultedAt: Date;
}

/**
 * The evidence the new positive `trigger` completes under the first rule (by name) it satisfies:
 * the trigger and the other positives of the rule's kind collected within `withinHours` of it,
 * taking the closest in time (ties by id) up to `minPositives`. Null when no rule is met.
 * The evidence always contains the trigger: an old positive alone does not confirm again, so a
 * rejected case stays rejected until a new positive arrives.
 */
export function evidenceFor(rules: readonly ConfirmationRule[], positives: readonly Positive[], trigger: Positive): { rule: string; evidence: Positive[] } | null {
  for (const rule of [...rules].sort((a, b) => a.name.localeCompare(b.name))) {
    if (rule.kind !== trigger.kind) continue;
    const windowMs = (rule.withinHours ?? 0) * 3_600_000;
    const gap = (p: Positive) => Math.abs(p.collectedAt.getTime() - trigger.collectedAt.getTime());
    const others = positives
      .filter((p) => p.id !== trigger.id && p.kind === rule.kind && gap(p) <= windowMs)
      .sort((a, b) => gap(a) - gap(b) || a.id.localeCompare(b.id));
    if (others.length + 1 < rule.minPositives) continue;
    const evidence = [trigger, ...others.slice(0, rule.minPositives - 1)].sort((a, b) => a.id.localeCompare(b.id));
    return { rule: rule.name, evidence };
  }
  return null;
}

/**
 * The case id for a person and evidence: deterministic (a UUID-shaped hash), so the same
 * evidence evaluated twice (a retried job, the same batch sent again) confirms one case.
 */
export function automaticCaseId(personId: string, evidenceIds: readonly string[]): string {
  const hex = createHash('sha256').update(`case:${personId.toLowerCase()}:${[...evidenceIds].sort().join(',')}`).digest('hex');
  // Version 8 (custom) UUID layout with the RFC 4122 variant.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A date (YYYY-MM-DD) in Vietnam (UTC+7, no daylight saving), `days` after the instant's day. */
export function vietnamDatePlus(instant: Date, days: number): string {
  const local = new Date(instant.getTime() + 7 * 3_600_000);
  local.setUTCDate(local.getUTCDate() + days);
  return local.toISOString().slice(0, 10);
}
