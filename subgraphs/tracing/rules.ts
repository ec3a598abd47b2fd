import type { NewContactRuleRow } from './db/models.ts';

/**
 * The rule in force unless a case names another: a close contact (F1) shared a venue with the
 * case for at least 15 minutes inside the infectious window, which opens 2 days before onset (or
 * confirmation); an open check-in counts as 4 hours long; contacts of F1s (F2) are traced too;
 * F1s are tested on days 1, 3 and 7 after their exposure, F2s on day 1; a case stays open for
 * automatic confirmations for 90 days.
 * Migration 0001_seed_default_contact_rule inserts the same row; keep the two in step.
 */
export const DEFAULT_CONTACT_RULE = {
  name: 'default-15min-4h',
  minOverlapMinutes: 15,
  infectiousDaysBeforeOnset: 2,
  maxStayMinutes: 240,
  traceF2: true,
  // Test schedules (lịch xét nghiệm): F1 on days 1, 3 and 7 after their exposure, F2 once on day 1.
  // The migration's column defaults give the stored row the same days.
  f1TestDays: [1, 3, 7],
  f2TestDays: [1],
  // A positive result more than 90 days after the person's case was confirmed is a re-infection.
  caseOpenDays: 90,
} satisfies NewContactRuleRow;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The window in which a case could infect others: from `infectiousDaysBeforeOnset` days before
 * onset (or before confirmation, when no onset is known) until confirmation, when isolation starts.
 */
export function infectiousWindow(
  rule: { infectiousDaysBeforeOnset: number },
  confirmedAt: Date,
  onsetAt: Date | null,
): { infectiousFrom: Date; infectiousTo: Date } {
  const start = onsetAt ?? confirmedAt;
  return {
    infectiousFrom: new Date(start.getTime() - rule.infectiousDaysBeforeOnset * DAY_MS),
    infectiousTo: new Date(confirmedAt.getTime()),
  };
}

/** The earliest onset accepted for a confirmation: a longer gap is almost certainly a typing error. */
export const MAX_ONSET_BEFORE_CONFIRMATION_DAYS = 30;
export const MAX_ONSET_BEFORE_CONFIRMATION_MS = MAX_ONSET_BEFORE_CONFIRMATION_DAYS * DAY_MS;
