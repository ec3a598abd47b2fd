import { requireUuid } from '../../shared/validate.ts';
import type { QuarantineFacilityDto } from '../repositories/index.ts';
import { requireOwnProvince, type ProvinceContext } from './context.ts';

export const QuarantineFacility = {
  // Async: a refusal must fail this representation only, not the whole _entities list (see Province.ts).
  __resolveReference: async (ref: { provinceCode: string; id: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, ref.provinceCode, 'provinceCode');
    return ctx.loaders.facility.load(requireUuid(ref.id, 'id'));
  },
  ward: (f: QuarantineFacilityDto) => ({ code: f.wardCode }),
};
