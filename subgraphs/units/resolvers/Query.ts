import type { UnitsContext } from './context.ts';

export const Query = {
  provinces: (_: unknown, __: unknown, ctx: UnitsContext) => ctx.repos.units.allProvinces(),
  province: (_: unknown, { code }: { code: string }, ctx: UnitsContext) => ctx.loaders.province.load(code),
  ward: (_: unknown, { code }: { code: string }, ctx: UnitsContext) => ctx.loaders.ward.load(code),
  legacyWard: (_: unknown, { code }: { code: string }, ctx: UnitsContext) => ctx.repos.units.legacyWard(code),
  viewer: (_: unknown, __: unknown, { identity }: UnitsContext) => ({
    subject: identity.subject,
    role: identity.role,
    provinces: identity.jurisdiction === 'all' ? [] : identity.jurisdiction,
    nationwide: identity.jurisdiction === 'all',
    scopes: identity.scopes,
  }),
};
