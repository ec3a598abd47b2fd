import { badInput, hubError } from '../../shared/errors.ts';
import { PROVINCE_CODE, truncate, WARD_CODE } from '../../shared/validate.ts';
import { coverageRefusal } from '../access.ts';
import type { VaccinationContext } from './context.ts';

/** The current year in Vietnam (UTC+7): ages are counted from it. */
const vietnamYear = (now: Date) => new Date(now.getTime() + 7 * 3_600_000).getUTCFullYear();

export interface CoverageArgs {
  province?: string | null;
  ward?: string | null;
  ageGroup?: string | null;
}

/**
 * One area's coverage (`vaccinationCoverage`, a `Coverage` reference): the arguments checked, the
 * caller's jurisdiction checked against the area's province, then one read of the counters.
 */
export async function coverageOf(args: CoverageArgs, ctx: VaccinationContext) {
  const province = args.province ?? null;
  if (province !== null && !PROVINCE_CODE.test(province)) throw badInput(`province must be a two-digit province code, got "${truncate(province)}"`, 'province');
  const ward = args.ward ?? null;
  if (ward !== null && !WARD_CODE.test(ward)) throw badInput(`ward must be a five-digit ward code, got "${truncate(ward)}"`, 'ward');
  const groups = await ctx.repos.products.recentAgeGroups();
  const group = args.ageGroup == null || args.ageGroup === 'ALL' ? null : groups.find((g) => g.code === args.ageGroup);
  if (group === undefined) throw badInput(`ageGroup must be one of ${groups.map((g) => g.code).join(', ')}; got "${truncate(args.ageGroup!)}"`, 'ageGroup');
  let areaProvince = province;
  if (ward !== null) {
    const place = (await ctx.wards.resolve({ wards: [ward], legacy: [] })).ward(ward);
    if (place.kind !== 'WARD') throw badInput(`No current ward has code ${ward}.`, 'ward');
    if (province !== null && place.ward.provinceCode !== province) throw badInput(`Ward ${ward} is not in province ${province}.`, 'ward');
    areaProvince = place.ward.provinceCode;
  }
  const refusal = coverageRefusal(ctx.identity, areaProvince);
  if (refusal) throw hubError('FORBIDDEN', refusal);
  const area = ward ?? province ?? 'VN';
  const year = vietnamYear(new Date());
  const counts = await ctx.repos.coverage.of(area, group?.maxAge == null ? null : year - group.maxAge, group ? year - group.minAge : null);
  return { areaCode: area, ageGroup: group?.code ?? 'ALL', ...counts };
}

export const Coverage = {
  __resolveReference: (ref: { areaCode: string; ageGroup: string }, ctx: VaccinationContext) => {
    const area = ref.areaCode;
    return coverageOf({ ...(area.length === 2 ? { province: area } : area.length === 5 ? { ward: area } : {}), ageGroup: ref.ageGroup }, ctx);
  },
};
