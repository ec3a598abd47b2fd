/**
 * The health pass (thẻ thông hành / thẻ xanh): a rule as data (table health_pass_rules), evaluated
 * by a pure function. Rows are tried in `priority` order; the first whose every set condition
 * holds gives the color and the reason. A condition left null holds for everyone.
 */

export type HealthPassColor = 'GREEN' | 'YELLOW' | 'RED';
export type VaccinationStatusValue = 'NONE' | 'PARTIAL' | 'FULL' | 'BOOSTED';

/** One row of the rule (table health_pass_rules). */
export interface HealthPassRule {
  name: string;
  /** Lower first. */
  priority: number;
  color: HealthPassColor;
  reasonVi: string;
  reasonEn: string;
  /** The person's vaccination status is one of these. */
  vaccinationStatuses: readonly VaccinationStatusValue[] | null;
  /** Infected (latest positive test, or confirmed case) at least this many days ago… */
  infectedMinDays: number | null;
  /** …and less than this many days ago. */
  infectedMaxDays: number | null;
  /** A negative test collected less than this many hours ago. */
  negativeWithinHours: number | null;
  /** True: a close contact (F1) still under follow-up (a scheduled test due today or later). */
  underFollowUp: boolean | null;
}

/** What the rule looks at, gathered from vaccination (here), testing and tracing (through the graph). */
export interface HealthPassFacts {
  vaccinationStatus: VaccinationStatusValue;
  /** The latest infection: the later of the latest positive test's collection and the latest confirmed case. */
  infectedAt: Date | null;
  /** The latest negative test's collection. */
  latestNegativeAt: Date | null;
  underFollowUp: boolean;
}

export interface HealthPassDecision {
  color: HealthPassColor;
  /** Vietnamese, then English: `Đã tiêm đủ liều / Fully vaccinated`. */
  reason: string;
  rule: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The default rule, like the citizen app's card: an active case or a followed close contact is
 * red; full vaccination, recovery (a positive 14 to 180 days ago) or a negative test within 72 h
 * is green; one dose is yellow; nothing known is yellow. The module's `prepare` writes the rows
 * missing from table health_pass_rules at every start (repositories/health-pass-rules.ts); rows an
 * operator changed there are kept, and are what is evaluated.
 */
export const DEFAULT_HEALTH_PASS_RULES: readonly HealthPassRule[] = [
  rule('f0-active', 10, 'RED', 'Đang mắc COVID-19 (F0)', 'Active COVID-19 case (F0)', { infectedMinDays: 0, infectedMaxDays: 14 }),
  rule('f1-follow-up', 20, 'RED', 'Đang là F1, đang theo dõi', 'Close contact (F1) under follow-up', { underFollowUp: true }),
  rule('vaccinated', 30, 'GREEN', 'Đã tiêm đủ liều vắc xin', 'Fully vaccinated', { vaccinationStatuses: ['FULL', 'BOOSTED'] }),
  rule('recovered', 40, 'GREEN', 'Đã khỏi COVID-19 (trong 180 ngày)', 'Recovered from COVID-19 (within 180 days)', { infectedMinDays: 14, infectedMaxDays: 180 }),
  rule('negative-72h', 50, 'GREEN', 'Xét nghiệm âm tính trong 72 giờ', 'Negative test within 72 hours', { negativeWithinHours: 72 }),
  rule('partial', 60, 'YELLOW', 'Đã tiêm 1 mũi, chưa đủ liều', 'Partially vaccinated', { vaccinationStatuses: ['PARTIAL'] }),
  rule('unknown', 70, 'YELLOW', 'Chưa tiêm vắc xin, không có xét nghiệm gần đây', 'Not vaccinated, no recent test', {}),
];

function rule(name: string, priority: number, color: HealthPassColor, reasonVi: string, reasonEn: string, when: Partial<HealthPassRule>): HealthPassRule {
  return { name, priority, color, reasonVi, reasonEn, vaccinationStatuses: null, infectedMinDays: null, infectedMaxDays: null, negativeWithinHours: null, underFollowUp: null, ...when };
}

/** Whether every condition the row sets holds for these facts at `now`. */
export function ruleHolds(rule: HealthPassRule, facts: HealthPassFacts, now: Date): boolean {
  if (rule.vaccinationStatuses && !rule.vaccinationStatuses.includes(facts.vaccinationStatus)) return false;
  if (rule.infectedMinDays !== null || rule.infectedMaxDays !== null) {
    if (!facts.infectedAt) return false;
    const age = now.getTime() - facts.infectedAt.getTime();
    if (rule.infectedMinDays !== null && age < rule.infectedMinDays * DAY_MS) return false;
    if (rule.infectedMaxDays !== null && age >= rule.infectedMaxDays * DAY_MS) return false;
  }
  if (rule.negativeWithinHours !== null) {
    if (!facts.latestNegativeAt) return false;
    const age = now.getTime() - facts.latestNegativeAt.getTime();
    // A collection time in the future (a clock ahead at the lab) does not count.
    if (age < 0 || age >= rule.negativeWithinHours * HOUR_MS) return false;
  }
  if (rule.underFollowUp !== null && rule.underFollowUp !== facts.underFollowUp) return false;
  return true;
}

/** The first row (by priority, then name) that holds; a rule with no catch-all row answers YELLOW. */
export function evaluateHealthPass(rules: readonly HealthPassRule[], facts: HealthPassFacts, now: Date): HealthPassDecision {
  const ordered = [...rules].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  const match = ordered.find((r) => ruleHolds(r, facts, now));
  if (!match) return { color: 'YELLOW', reason: 'Không đủ thông tin / Not enough information', rule: '' };
  return { color: match.color, reason: `${match.reasonVi} / ${match.reasonEn}`, rule: match.name };
}

/** The facts from the raw inputs: test results, cases and scheduled tests as the graph gave them. */
export function healthPassFacts(input: {
  vaccinationStatus: VaccinationStatusValue;
  tests: ReadonlyArray<{ result: string; collectedAt: Date }>;
  /** The person's confirmed (not rejected) cases. */
  caseConfirmations: readonly Date[];
  /** Due days (YYYY-MM-DD, Viet Nam) of the person's scheduled tests as an F1. */
  f1DueDays: readonly string[];
  /** Today in Viet Nam (YYYY-MM-DD). */
  today: string;
}): HealthPassFacts {
  const latest = (dates: Date[]) => (dates.length ? new Date(Math.max(...dates.map((d) => d.getTime()))) : null);
  return {
    vaccinationStatus: input.vaccinationStatus,
    infectedAt: latest([...input.tests.filter((t) => t.result === 'POSITIVE').map((t) => t.collectedAt), ...input.caseConfirmations]),
    latestNegativeAt: latest(input.tests.filter((t) => t.result === 'NEGATIVE').map((t) => t.collectedAt)),
    underFollowUp: input.f1DueDays.some((day) => day >= input.today),
  };
}
