import { requireUuid } from '../../shared/validate.ts';
import type { TestingSiteRow } from '../db/models.ts';
import { requireOwnProvince, type ProvinceContext } from './context.ts';

/** Public data, like facilities: any signed-in caller may read a site (test results name theirs). */
export const TestingSite = {
  // Async: a refusal must fail this representation only, not the whole _entities list (see Province.ts).
  __resolveReference: async (ref: { provinceCode: string; id: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, ref.provinceCode, 'provinceCode');
    return ctx.loaders.testingSite.load(requireUuid(ref.id, 'id'));
  },
  provinceCode: (_: TestingSiteRow, __: unknown, ctx: ProvinceContext) => ctx.provinceCode,
  ward: (s: TestingSiteRow) => ({ code: s.wardCode }),
};
