import { isUuid } from '../../shared/validate.ts';
import type { DoseRow } from '../db/models.ts';
import type { VaccinationContext } from './context.ts';

export const Dose = {
  // A malformed id cannot name a dose: null, rather than a SQL error. A dose the caller may not read: FORBIDDEN.
  __resolveReference: (ref: { id: string }, ctx: VaccinationContext) => (isUuid(ref.id) ? ctx.reader.dose(ref.id) : null),
  person: (d: DoseRow) => ({ id: d.personId }),
  product: async (d: DoseRow, _: unknown, ctx: VaccinationContext) => (await ctx.loaders.products.load('all')).find((p) => p.code === d.productCode),
  site: (d: DoseRow) => (d.siteProvinceCode && d.siteId ? { provinceCode: d.siteProvinceCode, id: d.siteId } : null),
  residenceWard: (d: DoseRow) => ({ code: d.wardCode }),
  // Reached only through a dose the reader let through.
  adverseEvents: (d: DoseRow, _: unknown, ctx: VaccinationContext) => ctx.loaders.adverseEvents.load(d.id),
};
