import { requireUuid } from '../../shared/validate.ts';
import type { VaccinationContext } from './context.ts';

/**
 * Person belongs to the declarations subgraph; vaccination only adds fields, so a reference needs
 * no read. Both fields hold only what the caller may see and are audited (reader.ts).
 */
export const Person = {
  __resolveReference: (ref: { id: string }) => ({ id: requireUuid(ref.id, 'id') }),
  vaccinations: (p: { id: string }, _: unknown, ctx: VaccinationContext) => ctx.reader.dosesOf(p.id.toLowerCase()),
  vaccinationStatus: (p: { id: string }, _: unknown, ctx: VaccinationContext) => ctx.reader.statusOf(p.id.toLowerCase()),
};
