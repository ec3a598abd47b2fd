import { badInput } from '../../shared/errors.ts';
import type { GraphQLResolveInfo } from 'graphql';
import type { UnitsContext } from './context.ts';
import { loadWard } from './Ward.ts';

/** The most codes one `wards` or `legacyWards` call may name (a vaccination upload's rows). */
export const MAX_CODES = 5000;

function requireCodes(codes: string[]): string[] {
  if (codes.length > MAX_CODES) throw badInput(`At most ${MAX_CODES} codes per call; got ${codes.length}.`, 'codes');
  return [...new Set(codes)];
}

export const Query = {
  provinces: (_: unknown, __: unknown, ctx: UnitsContext) => ctx.repos.units.allProvinces(),
  province: (_: unknown, { code }: { code: string }, ctx: UnitsContext) => ctx.loaders.province.load(code),
  ward: (_: unknown, { code }: { code: string }, ctx: UnitsContext, info: GraphQLResolveInfo) => loadWard(code, ctx, info),
  wards: (_: unknown, { codes }: { codes: string[] }, ctx: UnitsContext) => (codes.length ? ctx.repos.units.wardsByCodes(requireCodes(codes)) : []),
  legacyWard: (_: unknown, { code }: { code: string }, ctx: UnitsContext) => ctx.repos.units.legacyWard(code),
  legacyWards: (_: unknown, { codes }: { codes: string[] }, ctx: UnitsContext) => (codes.length ? ctx.repos.units.legacyWards(requireCodes(codes)) : []),
  viewer: (_: unknown, __: unknown, { identity }: UnitsContext) => ({
    subject: identity.subject,
    role: identity.role,
    provinces: identity.jurisdiction === 'all' ? [] : identity.jurisdiction,
    nationwide: identity.jurisdiction === 'all',
    scopes: identity.scopes,
  }),
};
