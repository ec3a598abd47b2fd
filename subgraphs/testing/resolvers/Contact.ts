import { isUuid } from '../../shared/validate.ts';
import type { TestingContext } from './context.ts';

/**
 * Contact belongs to the tracing subgraph (which decides who may see the contact itself); testing
 * adds its schedule, held here by contact id, filtered and audited like `Person.testSchedule`.
 */
export const Contact = {
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  // A malformed id names no contact record: no schedule, rather than a SQL error.
  testSchedule: (c: { id: string }, _: unknown, ctx: TestingContext) => (isUuid(c.id) ? ctx.reader.scheduleOfContact(c.id.toLowerCase()) : []),
};
