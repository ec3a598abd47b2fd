import type { ProvinceRow } from '../db/models.ts';
import { shortName } from '../directory.ts';
import type { UnitsContext } from './context.ts';

export const Province = {
  __resolveReference: (ref: { code: string }, ctx: UnitsContext) => ctx.loaders.province.load(ref.code),
  shortName: (p: ProvinceRow) => shortName(p.name, p.kind),
  wards: (p: ProvinceRow, _: unknown, ctx: UnitsContext) => ctx.loaders.wardsOfProvince.load(p.code),
};
