import { hubError } from '../../shared/errors.ts';
import type { ExposureDto } from '../repository.ts';
import type { CheckinsContext } from './context.ts';

export const Exposure = {
  contact: (e: ExposureDto) => ({ id: e.contactPersonId }),
  venue: async (e: ExposureDto, _: unknown, ctx: CheckinsContext) => {
    const venue = await ctx.loaders.venue.load(e.venueId);
    if (!venue) throw hubError('INTERNAL_SERVER_ERROR', `Venue ${e.venueId} of check-in ${e.checkIn.id} is missing`);
    return venue;
  },
};
