import { randomUUID } from 'node:crypto';
import { CLOCK_SKEW_MS, PROVINCE_CODE, isInFuture, isUuid, truncate } from '../shared/validate.ts';
import type { ConfirmCaseCommand } from './repositories/index.ts';
import { DEFAULT_CONTACT_RULE, MAX_ONSET_BEFORE_CONFIRMATION_DAYS, MAX_ONSET_BEFORE_CONFIRMATION_MS } from './rules.ts';

/** `ConfirmCaseInput` as the DateTime scalar has already parsed it. */
export interface ConfirmCaseInput {
  id?: string | null;
  personId: string;
  province: string;
  confirmedAt: Date;
  onsetAt?: Date | null;
  rule?: string | null;
  evidence?: string[] | null;
}

export type ConfirmCaseValidation =
  | { ok: true; command: ConfirmCaseCommand }
  | { ok: false; message: string; field: string };

/**
 * Checks a confirmation before anything is written. The failures are expected (a typing error
 * at the provincial center), so they come back as data for the `InvalidCase` result.
 */
export function validateConfirmCase(input: ConfirmCaseInput, now = new Date()): ConfirmCaseValidation {
  const invalid = (field: string, message: string) => ({ ok: false as const, field, message });
  if (input.id != null && !isUuid(input.id)) return invalid('id', `id must be a UUID made by the client, got "${truncate(input.id)}".`);
  if (!isUuid(input.personId)) return invalid('personId', `personId must be a UUID, got "${truncate(input.personId)}".`);
  if (!PROVINCE_CODE.test(input.province)) {
    return invalid('province', `province must be a two-digit province code (e.g. 79), got "${truncate(input.province)}".`);
  }
  if (isInFuture(input.confirmedAt, now)) {
    return invalid('confirmedAt', `confirmedAt is in the future (more than ${CLOCK_SKEW_MS / 60_000} minutes ahead of the hub's clock).`);
  }
  const onsetAt = input.onsetAt ?? null;
  if (onsetAt && onsetAt.getTime() > input.confirmedAt.getTime()) {
    return invalid('onsetAt', 'onsetAt is after confirmedAt: symptoms cannot start after the case was confirmed.');
  }
  if (onsetAt && input.confirmedAt.getTime() - onsetAt.getTime() > MAX_ONSET_BEFORE_CONFIRMATION_MS) {
    return invalid('onsetAt', `onsetAt is more than ${MAX_ONSET_BEFORE_CONFIRMATION_DAYS} days before confirmedAt; check the date.`);
  }
  const evidence = input.evidence ?? [];
  if (evidence.length > 20 || !evidence.every(isUuid)) return invalid('evidence', 'evidence must be at most 20 test result ids (UUIDs).');
  return {
    ok: true,
    command: {
      id: input.id ? input.id.toLowerCase() : randomUUID(),
      personId: input.personId.toLowerCase(),
      provinceCode: input.province,
      confirmedAt: input.confirmedAt,
      onsetAt,
      ruleName: input.rule ?? DEFAULT_CONTACT_RULE.name,
      evidence: [...new Set(evidence.map((id) => id.toLowerCase()))].sort(),
    },
  };
}
