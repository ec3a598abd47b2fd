import { requireProvinceCode, requireUuid } from '../../shared/validate.ts';
import type { SiteKey } from '../repositories/index.ts';
import { requireDay, requirePage } from '../validation.ts';
import type { TestingContext } from './context.ts';

/** TestingSite belongs to the province shards; testing adds the results of samples taken there on a day. */
export const TestingSite = {
  __resolveReference: (ref: { provinceCode: string; id: string }): SiteKey => ({ provinceCode: requireProvinceCode(ref.provinceCode, 'provinceCode'), id: requireUuid(ref.id, 'id') }),
  results: (site: SiteKey, { date, limit, offset }: { date: string; limit: number; offset: number }, ctx: TestingContext) =>
    ctx.reader.siteResults(site, requireDay(date), requirePage(limit, offset)),
  summary: async (site: SiteKey, { date }: { date: string }, ctx: TestingContext) => ({ date, ...(await ctx.reader.siteSummary(site, requireDay(date))) }),
};
