import { isUuid } from '../../shared/validate.ts';
import type { CaseRow } from '../db/models.ts';
import type { ContactDegree } from '../db/schema.ts';
import type { TracingContext } from './context.ts';
import type { ChainCase } from '../reader.ts';

export const Case = {
  // A malformed id cannot name a case: null, rather than a SQL error. A case the caller may not read: FORBIDDEN.
  __resolveReference: (ref: { id: string }, ctx: TracingContext) => (isUuid(ref.id) ? ctx.reader.case(ref.id) : null),
  // A case of a chain outside the caller's jurisdiction (reader.ts `chain`) shows no personal data.
  person: (c: ChainCase) => (c.masked ? null : { id: c.personId }),
  province: (c: CaseRow) => ({ code: c.provinceCode }),
  rule: async (c: CaseRow, _: unknown, ctx: TracingContext) => {
    const rule = await ctx.loaders.rule.load(c.ruleName);
    if (!rule) throw new Error(`case ${c.id} names missing rule ${c.ruleName}`); // the foreign key forbids it
    return rule;
  },
  // Only the contacts the caller may see (filtered in SQL): all of them in the case's province, else those living in the caller's.
  contacts: (c: ChainCase, { degree }: { degree?: ContactDegree | null }, ctx: TracingContext) => (c.masked ? [] : ctx.reader.contactsOf(c.id, degree)),
  // The run follows its case: it is reached only through a case the caller may read.
  run: (c: ChainCase, _: unknown, ctx: TracingContext) => (c.masked ? null : ctx.loaders.run.load(c.id)),
  rejectionReason: (c: ChainCase) => (c.masked ? null : c.rejectedReason),
  // Resolved by the testing subgraph, under its own trust rules for results.
  evidence: (c: ChainCase) => (c.masked ? null : c.evidenceResultIds.map((id) => ({ id }))),
  // The contact record is read like any other (FORBIDDEN when the caller may not see it).
  infectedBy: (c: ChainCase, _: unknown, ctx: TracingContext) => (c.masked || !c.infectedByContactId ? null : ctx.reader.contact(c.infectedByContactId)),
};
