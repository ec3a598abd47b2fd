import { requireUuid } from '../../shared/validate.ts';
import { coverageOf, type CoverageArgs } from './Coverage.ts';
import type { VaccinationContext } from './context.ts';

export const Query = {
  vaccineProducts: (_: unknown, __: unknown, ctx: VaccinationContext) => ctx.repos.products.all(),
  vaccinationAgeGroups: (_: unknown, __: unknown, ctx: VaccinationContext) => ctx.repos.products.ageGroups(),
  dose: (_: unknown, { id }: { id: string }, ctx: VaccinationContext) => ctx.reader.dose(requireUuid(id, 'id')),
  vaccinationCoverage: (_: unknown, args: CoverageArgs, ctx: VaccinationContext) => coverageOf(args, ctx),
};
