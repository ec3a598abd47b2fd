import { requireUuid } from '../../shared/validate.ts';
import type { TracingContext } from './context.ts';

/**
 * Person belongs to the declarations subgraph; tracing only adds fields, so a reference needs no
 * read (the declarations subgraph decides who may read the person). Both fields count only the
 * cases and contacts the caller may see (filtered in SQL, loaders.ts), and both are audited
 * (reader.ts): they read the person's health status.
 */
export const Person = {
  __resolveReference: (ref: { id: string }) => ({ id: requireUuid(ref.id, 'id') }),
  cases: (p: { id: string }, _: unknown, ctx: TracingContext) => ctx.reader.casesOf(p.id.toLowerCase()),
  contactStatus: (p: { id: string }, _: unknown, ctx: TracingContext) => ctx.reader.contactStatusOf(p.id.toLowerCase()),
};
