import { badInput } from '../../shared/errors.ts';
import { requireUuid } from '../../shared/validate.ts';
import type { CheckinsContext } from './context.ts';

export const Query = {
  venue: (_: unknown, { id }: { id: string }, ctx: CheckinsContext) => ctx.loaders.venue.load(requireUuid(id, 'id')),
  venueByQr: (_: unknown, { qrCode }: { qrCode: string }, ctx: CheckinsContext) => ctx.loaders.venueByQr.load(qrCode),
  exposuresOf: (
    _: unknown,
    { personIds, ...args }: { personIds: string[]; from?: Date | null; to?: Date | null; minOverlapMinutes?: number | null },
    ctx: CheckinsContext,
  ) => {
    if (personIds.length > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people per look-up.`, 'personIds');
    const ids = [...new Set(personIds.map((id) => requireUuid(id, 'personIds')))];
    return ctx.exposures.forPeople(ids, ctx.exposures.query(args));
  },
};

const MAX_PEOPLE_PER_LOOKUP = 5_000;
