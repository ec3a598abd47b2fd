import type { TracerTeamRow } from '../db/models.ts';
import type { ProvinceContext } from './context.ts';

export const TracerTeam = {
  wards: async (t: TracerTeamRow, _: unknown, ctx: ProvinceContext) =>
    (await ctx.loaders.teamWards.load(t.id)).map((w) => ({ code: w.wardCode })),
  tracers: (t: TracerTeamRow, _: unknown, ctx: ProvinceContext) => ctx.reader.tracersOfTeam(t.id),
};
