import { badInput } from '../../shared/errors.ts';
import { requireUuid } from '../../shared/validate.ts';
import type { TracingTaskDegree, TracingTaskStatus } from '../db/models.ts';
import { acceptRefusal, facilitiesRefusal } from '../access.ts';
import { requireAllowed, requireOwnProvince, requireWardCode, type ProvinceContext } from './context.ts';
import type { AcceptOutcome } from '../repositories/tracing-tasks.ts';

/** Long enough for a phone call's summary; longer text belongs in the case file, not the graph. */
export const MAX_NOTE_LENGTH = 2000;

type AcceptTracingTaskInput = { contactId: string; caseId: string; personId: string; degree: TracingTaskDegree; wardCode: string; dueAt?: Date | null };

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
    if (inputs.length > 2_000) throw badInput('At most 2000 contacts per call.', 'inputs');
    // Every input is checked before anything is written: a malformed one refuses the whole call.
    const checked = inputs.map((input, i) => checkedInput(input, `inputs[${i}]`));
    return (await ctx.repos.tracingTasks.acceptMany(checked)).map((outcome) => asResult(outcome, ctx));
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
    const note = args.note == null ? null : args.note.trim();
    if (args.status == null && note == null) throw badInput('Give a status, a note or both.', 'status');
    if (note !== null && note.length === 0) throw badInput('note must not be blank.', 'note');
    if (note !== null && note.length > MAX_NOTE_LENGTH) throw badInput(`note must be at most ${MAX_NOTE_LENGTH} characters.`, 'note');
    await ctx.reader.taskToChange(taskId);
    const outcome = await ctx.repos.tracingTasks.update(taskId, { status: args.status ?? null, note, author: ctx.identity.subject });
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
  return ctx.repos.tracingTasks.accept(checkedInput(input, 'input')).then((outcome) => asResult(outcome, ctx));
}

function checkedInput(input: AcceptTracingTaskInput, path: string): AcceptTracingTaskInput {
  return {
    contactId: requireUuid(input.contactId, `${path}.contactId`),
    caseId: requireUuid(input.caseId, `${path}.caseId`),
    personId: requireUuid(input.personId, `${path}.personId`),
    degree: input.degree,
    wardCode: requireWardCode(input.wardCode, `${path}.wardCode`),
    dueAt: input.dueAt ?? null,
  };
}

function asResult(outcome: AcceptOutcome, ctx: ProvinceContext) {
  switch (outcome.kind) {
    case 'accepted':
      return { __typename: 'TracingTaskAccepted', task: ctx.reader.written(outcome.task), created: outcome.created };
    case 'invalid':
      return { __typename: 'InvalidTracingTask', field: outcome.field, message: outcome.message };
  }
}
