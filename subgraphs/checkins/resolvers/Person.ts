import { requireUuid } from '../../shared/validate.ts';
import { checkExposureQuery, checkWindow } from '../validation.ts';
import type { CheckinsContext } from './context.ts';

interface PersonRef {
  id: string;
}

export const Person = {
  // The declarations service owns people; here a person is just an id (lower-cased, as stored).
  __resolveReference: (ref: PersonRef) => ({ id: requireUuid(ref.id, 'id') }),
  // Each returned row is a read of its person (and an exposure's, of its contact too): audit.ts.
  checkIns: async (p: PersonRef, args: { from?: Date | null; to?: Date | null }, ctx: CheckinsContext) => {
    const rows = await ctx.loaders.checkInsOf(checkWindow(args)).load(p.id.toLowerCase());
    return ctx.audit.checkInsRead(rows);
  },
  exposures: async (p: PersonRef, args: { from?: Date | null; to?: Date | null; minOverlapMinutes?: number | null }, ctx: CheckinsContext) => {
    const rows = await ctx.loaders.exposuresOf(checkExposureQuery(args, ctx.exposures.rule)).load(p.id.toLowerCase());
    return ctx.audit.exposuresRead(rows);
  },
};
