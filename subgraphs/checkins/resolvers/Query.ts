import { badInput } from '../../shared/errors.ts';
import { requireUuid } from '../../shared/validate.ts';
import type { CheckinsContext } from './context.ts';

export const Query = {
  venue: (_: unknown, { id }: { id: string }, ctx: CheckinsContext) => ctx.loaders.venue.load(requireUuid(id, 'id')),
  venueByQr: (_: unknown, { qrCode }: { qrCode: string }, ctx: CheckinsContext) => ctx.loaders.venueByQr.load(qrCode),
  exposuresOf: (
    _: unknown,
    { personIds, excludeContacts, ...args }: { personIds: string[]; excludeContacts?: string[] | null; from?: Date | null; to?: Date | null; minOverlapMinutes?: number | null },
    ctx: CheckinsContext,
  ) => {
    if (personIds.length > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people per look-up.`, 'personIds');
    if ((excludeContacts?.length ?? 0) > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people to exclude.`, 'excludeContacts');
    const ids = [...new Set(personIds.map((id) => requireUuid(id, 'personIds')))];
    const excluded = (excludeContacts ?? []).map((id) => requireUuid(id, 'excludeContacts'));
    return ctx.exposures.forPeople(ids, { ...ctx.exposures.query(args), excludeContacts: excluded });
  },
};

const MAX_PEOPLE_PER_LOOKUP = 5_000;
