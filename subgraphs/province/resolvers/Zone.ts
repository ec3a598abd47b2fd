import type { ZoneRow } from '../db/models.ts';
import type { ProvinceContext } from './context.ts';

export const Zone = {
  wards: async (z: ZoneRow, _: unknown, ctx: ProvinceContext) => (await ctx.loaders.zoneWards.load(z.id)).map((w) => ({ code: w.wardCode })),
};
