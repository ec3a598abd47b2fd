import { isUuid } from '../../shared/validate.ts';
import type { CaseRow } from '../db/models.ts';
import type { ContactDegree } from '../db/schema.ts';
import type { TracingContext } from './context.ts';

export const Case = {
  // A malformed id cannot name a case: null, rather than a SQL error. A case the caller may not read: FORBIDDEN.
  __resolveReference: (ref: { id: string }, ctx: TracingContext) => (isUuid(ref.id) ? ctx.reader.case(ref.id) : null),
  person: (c: CaseRow) => ({ id: c.personId }),
  province: (c: CaseRow) => ({ code: c.provinceCode }),
  rule: async (c: CaseRow, _: unknown, ctx: TracingContext) => {
    const rule = await ctx.loaders.rule.load(c.ruleName);
    if (!rule) throw new Error(`case ${c.id} names missing rule ${c.ruleName}`); // the foreign key forbids it
    return rule;
  },
  // Only the contacts the caller may see (filtered in SQL): all of them in the case's province, else those living in the caller's.
  contacts: (c: CaseRow, { degree }: { degree?: ContactDegree | null }, ctx: TracingContext) => ctx.reader.contactsOf(c.id, degree),
  // The run follows its case: it is reached only through a case the caller may read.
  run: (c: CaseRow, _: unknown, ctx: TracingContext) => ctx.loaders.run.load(c.id),
};
