import { hubError } from '../../shared/errors.ts';
import type { Identity } from '../../shared/identity.ts';
import { requireProvinceCode } from '../../shared/validate.ts';
import type { AuditRepository } from '../../shared/audit.ts';
import type { ProvinceAccess } from '../access.ts';
import type { ProvinceAuditTrail } from '../audit.ts';
import type { ProvinceLoaders } from '../loaders.ts';
import type { ProvinceReader } from '../reader.ts';
import type { ProvinceRepositories } from '../repositories/index.ts';

export interface ProvinceContext {
  identity: Identity;
  /** The one province this deployment serves. */
  provinceCode: string;
  /** What the caller may do here (access.ts); the reader applies it to every task and tracer. */
  access: ProvinceAccess;
  repos: ProvinceRepositories;
  loaders: ProvinceLoaders;
  reader: ProvinceReader;
  /** The request's audit records. */
  audit: ProvinceAuditTrail;
  auditRecords: AuditRepository;
}

/**
 * A deployment answers for its own province only. The gateway never sends it another province's
 * code; the error guards against a misrouted request reading or writing the wrong database.
 */
export function requireOwnProvince(ctx: ProvinceContext, value: string, argument = 'province'): string {
  const code = requireProvinceCode(value, argument);
  if (code !== ctx.provinceCode) {
    throw hubError('WRONG_PROVINCE', `This service answers for province ${ctx.provinceCode} only; it was asked for province ${code}.`, {
      province: code,
      servedProvince: ctx.provinceCode,
    });
  }
  return code;
}

/** A refusal from the policy (access.ts), as the FORBIDDEN error a field answers with. */
export function requireAllowed(refusal: string | null): void {
  if (refusal) throw hubError('FORBIDDEN', refusal);
}
