import type { WardRow } from '../db/models.ts';
import type { LegacyWardDto } from '../repositories/index.ts';
import type { UnitsContext } from './context.ts';

export const LegacyWard = {
  successors: async (w: LegacyWardDto, _: unknown, ctx: UnitsContext) => {
    const codes = await ctx.loaders.successors.load(w.code);
    const wards = await ctx.loaders.ward.loadMany(codes);
    return wards.filter((ward): ward is WardRow => ward !== null && !(ward instanceof Error));
  },
};
