import { requireUuid } from '../../shared/validate.ts';
import type { CheckinsContext } from './context.ts';

interface PersonRef {
  id: string;
}

export const Person = {
  // The declarations service owns people; here a person is just an id (lower-cased, as stored).
  __resolveReference: (ref: PersonRef) => ({ id: requireUuid(ref.id, 'id') }),
  checkIns: (p: PersonRef, args: { from?: Date | null; to?: Date | null }, ctx: CheckinsContext) =>
    ctx.loaders.checkInsOf(ctx.checkIns.window(args)).load(p.id.toLowerCase()),
  exposures: (p: PersonRef, args: { from?: Date | null; to?: Date | null; minOverlapMinutes?: number | null }, ctx: CheckinsContext) =>
    ctx.loaders.exposuresOf(ctx.exposures.query(args)).load(p.id.toLowerCase()),
};
