import { requireUuid } from '../../shared/validate.ts';
import type { VenueDto } from '../repositories/index.ts';
import { checkWindow } from '../validation.ts';
import type { CheckinsContext } from './context.ts';

export const Venue = {
  __resolveReference: (ref: { id: string }, ctx: CheckinsContext) => ctx.loaders.venue.load(requireUuid(ref.id, 'id')),
  ward: (v: VenueDto) => ({ code: v.wardCode }),
  province: (v: VenueDto) => ({ code: v.provinceCode }),
  registeredAt: (v: VenueDto) => v.createdAt,
  // Each returned visit is a read of its person's check-ins (audit.ts).
  checkIns: async (v: VenueDto, args: { from?: Date | null; to?: Date | null }, ctx: CheckinsContext) => {
    const rows = await ctx.loaders.venueCheckInsOf(checkWindow(args)).load(v.id);
    return ctx.audit.checkInsRead(rows);
  },
};
