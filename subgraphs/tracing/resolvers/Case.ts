import { isUuid } from '../../shared/validate.ts';
import type { CaseRow } from '../db/models.ts';
import type { ContactDegree } from '../db/schema.ts';
import type { TracingContext } from './context.ts';

export const Case = {
  // A malformed id cannot name a case: null, rather than a SQL error.
  __resolveReference: (ref: { id: string }, ctx: TracingContext) => (isUuid(ref.id) ? ctx.loaders.case.load(ref.id.toLowerCase()) : null),
  person: (c: CaseRow) => ({ id: c.personId }),
  province: (c: CaseRow) => ({ code: c.provinceCode }),
  rule: async (c: CaseRow, _: unknown, ctx: TracingContext) => {
    const rule = await ctx.loaders.rule.load(c.ruleName);
    if (!rule) throw new Error(`case ${c.id} names missing rule ${c.ruleName}`); // the foreign key forbids it
    return rule;
  },
  contacts: async (c: CaseRow, { degree }: { degree?: ContactDegree | null }, ctx: TracingContext) => {
    const contacts = await ctx.loaders.contactsOfCase.load(c.id);
    return degree ? contacts.filter((contact) => contact.degree === degree) : contacts;
  },
  run: (c: CaseRow, _: unknown, ctx: TracingContext) => ctx.loaders.run.load(c.id),
};
