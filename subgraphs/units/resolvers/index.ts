import type { Identity } from '../../shared/identity.ts';
import type { Resolvers } from '../../shared/subgraph.ts';
import type { ProvinceRow, WardRow } from '../db/models.ts';
import { shortName } from '../directory.ts';
import type { UnitsLoaders } from '../loaders.ts';
import type { LegacyWardDto, UnitsRepository } from '../repository.ts';

export interface UnitsContext {
  identity: Identity;
  repo: UnitsRepository;
  loaders: UnitsLoaders;
}

export const resolvers: Resolvers<UnitsContext> = {
  Query: {
    provinces: (_: unknown, __: unknown, ctx: UnitsContext) => ctx.repo.allProvinces(),
    province: (_: unknown, { code }: { code: string }, ctx: UnitsContext) => ctx.loaders.province.load(code),
    ward: (_: unknown, { code }: { code: string }, ctx: UnitsContext) => ctx.loaders.ward.load(code),
    legacyWard: (_: unknown, { code }: { code: string }, ctx: UnitsContext) => ctx.repo.legacyWard(code),
    viewer: (_: unknown, __: unknown, { identity }: UnitsContext) => ({
      subject: identity.subject,
      role: identity.role,
      provinces: identity.jurisdiction === 'all' ? [] : identity.jurisdiction,
      nationwide: identity.jurisdiction === 'all',
      scopes: identity.scopes,
    }),
  },
  Province: {
    __resolveReference: (ref: { code: string }, ctx: UnitsContext) => ctx.loaders.province.load(ref.code),
    shortName: (p: ProvinceRow) => shortName(p.name, p.kind),
    wards: (p: ProvinceRow, _: unknown, ctx: UnitsContext) => ctx.loaders.wardsOfProvince.load(p.code),
  },
  Ward: {
    __resolveReference: (ref: { code: string }, ctx: UnitsContext) => ctx.loaders.ward.load(ref.code),
    shortName: (w: WardRow) => shortName(w.name, w.kind),
    province: (w: WardRow, _: unknown, ctx: UnitsContext) => ctx.loaders.province.load(w.provinceCode),
  },
  LegacyWard: {
    successors: async (w: LegacyWardDto, _: unknown, ctx: UnitsContext) => {
      const codes = await ctx.loaders.successors.load(w.code);
      const wards = await ctx.loaders.ward.loadMany(codes);
      return wards.filter((ward): ward is WardRow => ward !== null && !(ward instanceof Error));
    },
  },
};
