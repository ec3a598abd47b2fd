import { isUuid } from '../../shared/validate.ts';
import type { TestingContext } from './context.ts';

/**
 * TracingTask belongs to the province shards (which decide who may see the task); testing adds
 * the schedule of the task's contact, which the gateway reads from the task's shard (@requires).
 */
export const TracingTask = {
  testSchedule: (t: { contact?: { id: string } | null }, _: unknown, ctx: TestingContext) =>
    t.contact && isUuid(t.contact.id) ? ctx.reader.scheduleOfContact(t.contact.id.toLowerCase()) : [],
};
