import type { UnitsContext } from './context.ts';

/**
 * Coverage belongs to the vaccination subgraph (its counts); units adds the population of its area
 * and age group, the denominator, from the figures loaded with the units import.
 */
export const Coverage = {
  __resolveReference: (ref: { areaCode: string; ageGroup: string }) => ({ areaCode: ref.areaCode, ageGroup: ref.ageGroup }),
  population: (c: { areaCode: string; ageGroup: string }, _: unknown, ctx: UnitsContext) => ctx.repos.units.population(c.areaCode, c.ageGroup),
};
