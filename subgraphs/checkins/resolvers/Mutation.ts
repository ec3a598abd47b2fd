import { checkBatch, checkInProblem, checkOutProblem, venueProblem, type CheckInInput, type CheckInRecordInput, type CheckOutInput, type RegisterVenueInput } from '../validation.ts';
import type { CheckinsContext } from './context.ts';

// Each input is checked first (validation.ts); a problem is answered with the schema's Invalid… result.
export const Mutation = {
  registerVenue: (_: unknown, { input }: { input: RegisterVenueInput }, ctx: CheckinsContext) => {
    const problem = venueProblem(input);
    return problem ? { __typename: 'InvalidVenue', ...problem } : ctx.venues.register(input);
  },
  checkIn: (_: unknown, args: CheckInInput, ctx: CheckinsContext) => {
    const now = new Date();
    const problem = checkInProblem(args, now);
    return problem ? { __typename: 'InvalidCheckIn', ...problem } : ctx.checkIns.checkIn(args, now);
  },
  checkOut: (_: unknown, args: CheckOutInput, ctx: CheckinsContext) => {
    const now = new Date();
    const problem = checkOutProblem(args, now);
    return problem ? { __typename: 'InvalidCheckOut', ...problem } : ctx.checkIns.checkOut(args, now);
  },
  recordCheckIns: (_: unknown, { batch }: { batch: CheckInRecordInput[] }, ctx: CheckinsContext) => {
    const now = new Date();
    return ctx.checkInBatches.record(checkBatch(batch, now), now);
  },
};
