import { requireAuditLimit } from '../../shared/audit.ts';
import { hubError } from '../../shared/errors.ts';
import { requireUuid } from '../../shared/validate.ts';
import { mayReadTaskAuditTrail } from '../access.ts';
import { requireOwnProvince, type ProvinceContext } from './context.ts';

export const Query = {
  quarantineFacility: (_: unknown, args: { province: string; id: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, args.province);
    return ctx.loaders.facility.load(requireUuid(args.id, 'id'));
  },
  tracingTask: (_: unknown, args: { province: string; id: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, args.province);
    return ctx.reader.task(requireUuid(args.id, 'id'));
  },
  tracingTaskAuditTrail: (_: unknown, args: { province: string; personId: string; limit: number }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, args.province);
    const personId = requireUuid(args.personId, 'personId').toLowerCase();
    const limit = requireAuditLimit(args.limit);
    if (!mayReadTaskAuditTrail(ctx.identity, ctx.provinceCode)) {
      throw hubError('FORBIDDEN', "A person's tracing-task audit trail is for national officials and officials of the province, with the scope audit:read.");
    }
    return ctx.auditRecords.ofPerson(personId, limit);
  },
};
