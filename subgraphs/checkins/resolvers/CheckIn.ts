import { hubError } from '../../shared/errors.ts';
import type { CheckInDto } from '../repository.ts';
import type { CheckinsContext } from './context.ts';

export const CheckIn = {
  person: (c: CheckInDto) => ({ id: c.personId }),
  venue: async (c: CheckInDto, _: unknown, ctx: CheckinsContext) => {
    // The foreign key makes a missing venue impossible; say so loudly rather than return null for a non-null field.
    const venue = await ctx.loaders.venue.load(c.venueId);
    if (!venue) throw hubError('INTERNAL_SERVER_ERROR', `Venue ${c.venueId} of check-in ${c.id} is missing`);
    return venue;
  },
};
