import type { GraphQLResolveInfo } from 'graphql';
import type { CheckInDto } from '../repositories/index.ts';
import type { CheckinsContext } from './context.ts';
import { venueOf } from './venue-of.ts';

export const CheckIn = {
  person: (c: CheckInDto) => ({ id: c.personId }),
  venue: (c: CheckInDto, _: unknown, ctx: CheckinsContext, info: GraphQLResolveInfo) => venueOf(c.venueId, c.id, ctx, info),
};
