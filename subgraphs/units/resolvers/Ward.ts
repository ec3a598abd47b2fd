import type { GraphQLResolveInfo } from 'graphql';
import { fieldSelector } from '../../shared/selection.ts';
import type { WardRow } from '../db/models.ts';
import { shortName } from '../directory.ts';
import type { UnitsContext } from './context.ts';

const provinceAsked = fieldSelector('Ward', ['province']);

/**
 * A ward by code; with its province in the same statement when the selection asks for it (a
 * residence's province: one round trip instead of two in a row), else the ward alone (a join that
 * nobody reads costs the person card's look-up a second index probe).
 */
export function loadWard(code: string, ctx: UnitsContext, info: GraphQLResolveInfo): Promise<WardRow | null> {
  return (provinceAsked(info).length > 0 ? ctx.loaders.wardWithProvince : ctx.loaders.ward).load(code);
}

export const Ward = {
  // (`info` is typed unknown only because @apollo/subgraph's resolver map types this like a field resolver.)
  __resolveReference: (ref: { code: string }, ctx: UnitsContext, info: unknown) => loadWard(ref.code, ctx, info as GraphQLResolveInfo),
  shortName: (w: WardRow) => shortName(w.name, w.kind),
  province: (w: WardRow, _: unknown, ctx: UnitsContext) => ctx.loaders.province.load(w.provinceCode),
};
