import type { GraphQLResolveInfo } from 'graphql';
import type { BreakGlassGrantDto } from '../repositories/index.ts';
import type { DeclarationsContext } from './context.ts';

export const BreakGlassGrant = {
  official: (g: BreakGlassGrantDto) => g.officialSubject,
  person: (g: BreakGlassGrantDto, _: unknown, ctx: DeclarationsContext, info: GraphQLResolveInfo) => ctx.reader.byId(g.personId, info),
  owningProvince: (g: BreakGlassGrantDto) => ({ code: g.owningProvinceCode }),
  active: (g: BreakGlassGrantDto, _: unknown, ctx: DeclarationsContext) => g.expiresAt.getTime() > ctx.now().getTime(),
};
