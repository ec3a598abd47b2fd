import { isUuid } from '../../shared/validate.ts';
import type { ContactRow } from '../db/models.ts';
import type { TracingContext } from './context.ts';

export const Contact = {
  __resolveReference: (ref: { id: string }, ctx: TracingContext) => (isUuid(ref.id) ? ctx.reader.contact(ref.id) : null),
  case: async (c: ContactRow, _: unknown, ctx: TracingContext) => {
    const found = await ctx.reader.case(c.caseId);
    if (!found) throw new Error(`contact ${c.id} names missing case ${c.caseId}`); // the foreign key forbids it
    return found;
  },
  person: (c: ContactRow) => ({ id: c.personId }),
  via: (c: ContactRow) => (c.viaPersonId ? { id: c.viaPersonId } : null),
  exposure: (c: ContactRow) => ({
    venue: { id: c.venueId },
    overlapStart: c.overlapStart,
    overlapEnd: c.overlapEnd,
    overlapMinutes: c.overlapMinutes,
  }),
  rule: (c: ContactRow) => c.ruleName,
};
