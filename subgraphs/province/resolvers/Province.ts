import type { TracingTaskStatus } from '../db/models.ts';
import { requireOwnProvince, type ProvinceContext } from './context.ts';

interface ProvinceRef {
  code: string;
}

export const Province = {
  // Async so that a refusal fails this representation only: @apollo/subgraph maps the representations
  // synchronously, and a synchronous throw would fail the whole _entities list.
  __resolveReference: async (ref: ProvinceRef, ctx: ProvinceContext): Promise<ProvinceRef> => ({ code: requireOwnProvince(ctx, ref.code, 'code') }),
  hotline: async (p: ProvinceRef, _: unknown, ctx: ProvinceContext) => (await ctx.loaders.profile.load(p.code))?.hotline ?? null,
  quarantineFacilities: (_: ProvinceRef, args: { withFreeBeds?: boolean | null }, ctx: ProvinceContext) =>
    ctx.loaders.facilities.load(args.withFreeBeds === true),
  testingSites: (_: ProvinceRef, __: unknown, ctx: ProvinceContext) => ctx.loaders.testingSites.load('all'),
  tracerTeams: (_: ProvinceRef, __: unknown, ctx: ProvinceContext) => ctx.loaders.teams.load('all'),
  tracingTasks: (_: ProvinceRef, args: { status?: TracingTaskStatus | null }, ctx: ProvinceContext) => ctx.reader.tasks(args.status),
  zones: (_: ProvinceRef, args: { activeAt?: Date | null }, ctx: ProvinceContext) =>
    ctx.loaders.zones.load(args.activeAt ? args.activeAt.getTime() : 'all'),
};
