import type { TracingRunRow } from '../db/models.ts';
import type { TracingContext } from './context.ts';

export const TracingRun = {
  case: async (run: TracingRunRow, _: unknown, ctx: TracingContext) => {
    const found = await ctx.reader.case(run.id);
    if (!found) throw new Error(`tracing run ${run.id} has no case`); // the foreign key forbids it
    return found;
  },
};
