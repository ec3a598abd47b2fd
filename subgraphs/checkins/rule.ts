/**
 * The exposure rule in force: how long two people must share a venue to count as close contacts
 * (tiếp xúc gần), and how long an open check-in (no check-out recorded) is taken to last.
 * The maximum stay also bounds the overlap search, so it keeps the search a short index range scan.
 */
export interface ExposureRule {
  /** Named on every result so a contact can be explained (which rule made this person an F1). */
  name: string;
  minOverlapMinutes: number;
  maxStayMinutes: number;
}

export const DEFAULT_EXPOSURE_RULE = { name: 'default-15min-4h', minOverlapMinutes: 15, maxStayMinutes: 240 } as const satisfies ExposureRule;

/** Refuses a rule that would make the SQL meaningless (a zero or negative stay, a negative overlap). */
export function validateExposureRule(rule: ExposureRule): ExposureRule {
  if (!Number.isInteger(rule.maxStayMinutes) || rule.maxStayMinutes <= 0) {
    throw new Error(`Exposure rule ${rule.name}: maxStayMinutes must be a positive integer`);
  }
  if (!Number.isInteger(rule.minOverlapMinutes) || rule.minOverlapMinutes < 0) {
    throw new Error(`Exposure rule ${rule.name}: minOverlapMinutes must be a non-negative integer`);
  }
  return rule;
}

export const maxStayMs = (rule: ExposureRule): number => rule.maxStayMinutes * 60_000;
