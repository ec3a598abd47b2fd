import type { WardRow } from '../db/models.ts';
import { shortName } from '../directory.ts';
import type { UnitsContext } from './context.ts';

export const Ward = {
  __resolveReference: (ref: { code: string }, ctx: UnitsContext) => ctx.loaders.ward.load(ref.code),
  shortName: (w: WardRow) => shortName(w.name, w.kind),
  province: (w: WardRow, _: unknown, ctx: UnitsContext) => ctx.loaders.province.load(w.provinceCode),
};
