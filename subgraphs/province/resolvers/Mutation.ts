import { requireUuid } from '../../shared/validate.ts';
import type { TracingTaskStatus } from '../db/models.ts';
import { acceptRefusal, facilitiesRefusal } from '../access.ts';
import type { AcceptOutcome, AcceptTracingTaskInput } from '../repositories/index.ts';
import { checkAcceptBatch, checkAcceptInput, checkTaskUpdate, checkWithdrawal } from '../validation.ts';
import { requireAllowed, requireOwnProvince, type ProvinceContext } from './context.ts';

interface AcceptTracingTaskArgs {
  province: string;
  input: AcceptTracingTaskInput;
}

export const Mutation = {
  acceptTracingTask: (_: unknown, { province, input }: AcceptTracingTaskArgs, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, province);
    requireAllowed(acceptRefusal(ctx.identity, ctx.provinceCode));
    return acceptOne(input, ctx);
  },

  acceptTracingTasks: async (_: unknown, { province, inputs }: { province: string; inputs: AcceptTracingTaskInput[] }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, province);
    requireAllowed(acceptRefusal(ctx.identity, ctx.provinceCode));
    const checked = checkAcceptBatch(inputs);
    return (await ctx.repos.tracingTasks.acceptMany(checked)).map((outcome) => asResult(outcome, ctx));
  },

  withdrawTracingTasks: async (_: unknown, args: { province: string; caseId: string; reason: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, args.province);
    requireAllowed(acceptRefusal(ctx.identity, ctx.provinceCode));
    const { caseId, reason } = checkWithdrawal(args.caseId, args.reason);
    return { withdrawn: await ctx.repos.tracingTasks.withdraw(caseId, reason, ctx.identity.subject) };
  },

  assignTracer: async (_: unknown, args: { province: string; taskId: string; tracerId: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, args.province);
    const taskId = requireUuid(args.taskId, 'taskId');
    const tracerId = requireUuid(args.tracerId, 'tracerId');
    await ctx.reader.taskToChange(taskId);
    const outcome = await ctx.repos.tracingTasks.assign(taskId, tracerId);
    switch (outcome.kind) {
      case 'assigned':
        return { __typename: 'TracerAssigned', task: ctx.reader.written(outcome.task) };
      case 'taskNotFound':
        return { __typename: 'TracingTaskNotFound', message: `Province ${ctx.provinceCode} has no tracing task ${taskId}.` };
      case 'tracerNotFound':
        return { __typename: 'TracerNotFound', message: `Province ${ctx.provinceCode} has no tracer ${tracerId}.` };
    }
  },

  updateTracingTask: async (
    _: unknown,
    args: { province: string; taskId: string; status?: TracingTaskStatus | null; note?: string | null },
    ctx: ProvinceContext,
  ) => {
    requireOwnProvince(ctx, args.province);
    const taskId = requireUuid(args.taskId, 'taskId');
    const { status, note } = checkTaskUpdate(args.status, args.note);
    await ctx.reader.taskToChange(taskId);
    const outcome = await ctx.repos.tracingTasks.update(taskId, { status, note, author: ctx.identity.subject });
    switch (outcome.kind) {
      case 'updated':
        return { __typename: 'TracingTaskUpdated', task: ctx.reader.written(outcome.task) };
      case 'notFound':
        return { __typename: 'TracingTaskNotFound', message: `Province ${ctx.provinceCode} has no tracing task ${taskId}.` };
      case 'invalidTransition':
        return {
          __typename: 'InvalidTransition',
          from: outcome.from,
          to: outcome.to,
          message: `A tracing task cannot go from ${outcome.from} to ${outcome.to}.`,
        };
    }
  },

  setFacilityOccupancy: async (_: unknown, args: { province: string; facilityId: string; occupied: number }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, args.province);
    requireAllowed(facilitiesRefusal(ctx.identity, ctx.provinceCode));
    const facilityId = requireUuid(args.facilityId, 'facilityId');
    const outcome = await ctx.repos.facilities.setOccupancy(facilityId, args.occupied);
    switch (outcome.kind) {
      case 'set':
        return { __typename: 'FacilityOccupancySet', facility: outcome.facility };
      case 'notFound':
        return { __typename: 'FacilityNotFound', message: `Province ${ctx.provinceCode} has no quarantine facility ${facilityId}.` };
      case 'invalid':
        return { __typename: 'InvalidOccupancy', message: outcome.message, capacity: outcome.capacity };
    }
  },
};

function acceptOne(input: AcceptTracingTaskInput, ctx: ProvinceContext) {
  return ctx.repos.tracingTasks.accept(checkAcceptInput(input, 'input')).then((outcome) => asResult(outcome, ctx));
}

function asResult(outcome: AcceptOutcome, ctx: ProvinceContext) {
  switch (outcome.kind) {
    case 'accepted':
      return { __typename: 'TracingTaskAccepted', task: ctx.reader.written(outcome.task), created: outcome.created };
    case 'invalid':
      return { __typename: 'InvalidTracingTask', field: outcome.field, message: outcome.message };
  }
}
