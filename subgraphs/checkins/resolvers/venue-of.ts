import type { GraphQLResolveInfo } from 'graphql';
import { hubError } from '../../shared/errors.ts';
import { selectsOnly } from '../../shared/selection.ts';
import type { VenueDto } from '../repositories/index.ts';
import type { CheckinsContext } from './context.ts';

const onlyId = selectsOnly('Venue', ['id']);

/**
 * The venue of a check-in or an exposure. Asked for its id alone (as tracing asks of every
 * exposure), a reference answers synchronously; otherwise the row, through the request's loader.
 */
export function venueOf(venueId: string, checkInId: string, ctx: CheckinsContext, info: GraphQLResolveInfo): { id: string } | Promise<VenueDto> {
  if (onlyId(info)) return { id: venueId };
  return ctx.loaders.venue.load(venueId).then((venue) => {
    // The foreign key makes a missing venue impossible; say so loudly rather than return null for a non-null field.
    if (!venue) throw hubError('INTERNAL_SERVER_ERROR', `Venue ${venueId} of check-in ${checkInId} is missing`);
    return venue;
  });
}
