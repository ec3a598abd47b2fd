import type { TracerRow } from '../db/models.ts';
import type { ProvinceContext } from './context.ts';

export const Tracer = {
  team: async (t: TracerRow, _: unknown, ctx: ProvinceContext) => {
    const team = await ctx.loaders.team.load(t.teamId);
    // tracers.team_id is a foreign key, so a missing team is a broken database, not an expected case.
    if (!team) throw new Error(`tracer ${t.id} refers to missing team ${t.teamId}`);
    return team;
  },
};
