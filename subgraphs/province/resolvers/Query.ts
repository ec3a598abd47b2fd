import { requireUuid } from '../../shared/validate.ts';
import { requireOwnProvince, type ProvinceContext } from './context.ts';

export const Query = {
  quarantineFacility: (_: unknown, args: { province: string; id: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, args.province);
    return ctx.loaders.facility.load(requireUuid(args.id, 'id'));
  },
  tracingTask: (_: unknown, args: { province: string; id: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, args.province);
    return ctx.loaders.task.load(requireUuid(args.id, 'id'));
  },
};
