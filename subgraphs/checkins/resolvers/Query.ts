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
    return ctx.exposures.forPeople(ids, { ...ctx.exposures.query(args), excludeContacts: excluded }, ctx.access.exposures);
  },
  firstContactsOf: (
    _: unknown,
    { people, excludeContacts, to, minOverlapMinutes }: { people: Array<{ personId: string; from: Date }>; excludeContacts?: string[] | null; to?: Date | null; minOverlapMinutes?: number | null },
    ctx: CheckinsContext,
  ) => {
    if (people.length > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people per look-up.`, 'people');
    if ((excludeContacts?.length ?? 0) > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people to exclude.`, 'excludeContacts');
    // A person named twice counts from the earlier instant.
    const from = new Map<string, Date>();
    people.forEach(({ personId, from: at }, i) => {
      const id = requireUuid(personId, `people[${i}].personId`);
      if (!from.has(id) || at < from.get(id)!) from.set(id, at);
    });
    const excluded = (excludeContacts ?? []).map((id) => requireUuid(id, 'excludeContacts'));
    const query = { ...ctx.exposures.query({ to, minOverlapMinutes }), excludeContacts: excluded };
    return ctx.exposures.firstContactsOf([...from].map(([personId, at]) => ({ personId, from: at })), query, ctx.access.exposures);
  },
};

const MAX_PEOPLE_PER_LOOKUP = 5_000;
