import { requireUuid } from '../../shared/validate.ts';
import type { TracingTaskDto } from '../repositories/index.ts';
import { requireOwnProvince, type ProvinceContext } from './context.ts';

export const TracingTask = {
  // Async: a refusal must fail this representation only, not the whole _entities list (see Province.ts).
  __resolveReference: async (ref: { provinceCode: string; id: string }, ctx: ProvinceContext) => {
    requireOwnProvince(ctx, ref.provinceCode, 'provinceCode');
    return ctx.reader.task(requireUuid(ref.id, 'id'));
  },
  contact: (t: TracingTaskDto) => ({ id: t.contactId }),
  case: (t: TracingTaskDto) => ({ id: t.caseId }),
  person: (t: TracingTaskDto) => ({ id: t.personId }),
  ward: (t: TracingTaskDto) => ({ code: t.wardCode }),
  assignedTo: (t: TracingTaskDto, _: unknown, ctx: ProvinceContext) =>
    t.assignedTracerId ? ctx.reader.tracer(t.assignedTracerId) : null,
  notes: (t: TracingTaskDto, _: unknown, ctx: ProvinceContext) => ctx.loaders.taskNotes.load(t.id),
};
