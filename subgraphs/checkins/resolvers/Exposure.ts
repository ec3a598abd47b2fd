import type { GraphQLResolveInfo } from 'graphql';
import type { ExposureDto } from '../repositories/index.ts';
import type { CheckinsContext } from './context.ts';
import { venueOf } from './venue-of.ts';

export const Exposure = {
  person: (e: ExposureDto) => ({ id: e.personId }),
  contact: (e: ExposureDto) => ({ id: e.contactPersonId }),
  venue: (e: ExposureDto, _: unknown, ctx: CheckinsContext, info: GraphQLResolveInfo) => venueOf(e.venueId, e.checkIn.id, ctx, info),
};
