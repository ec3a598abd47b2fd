import { requireUuid } from '../../shared/validate.ts';
import type { CheckinsContext } from './context.ts';

export const Query = {
  venue: (_: unknown, { id }: { id: string }, ctx: CheckinsContext) => ctx.loaders.venue.load(requireUuid(id, 'id')),
  venueByQr: (_: unknown, { qrCode }: { qrCode: string }, ctx: CheckinsContext) => ctx.loaders.venueByQr.load(qrCode),
};
