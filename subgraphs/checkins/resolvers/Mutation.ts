import type { CheckInRecordInput, RegisterVenueInput } from '../repository.ts';
import type { CheckinsContext } from './context.ts';

export const Mutation = {
  registerVenue: (_: unknown, { input }: { input: RegisterVenueInput }, ctx: CheckinsContext) => ctx.venues.register(input),
  checkIn: (_: unknown, args: { id: string; qrCode: string; personId: string; at?: Date | null }, ctx: CheckinsContext) =>
    ctx.checkIns.checkIn(args),
  checkOut: (_: unknown, args: { id: string; at?: Date | null }, ctx: CheckinsContext) => ctx.checkIns.checkOut(args),
  recordCheckIns: (_: unknown, { batch }: { batch: CheckInRecordInput[] }, ctx: CheckinsContext) => ctx.checkIns.record(batch),
};
