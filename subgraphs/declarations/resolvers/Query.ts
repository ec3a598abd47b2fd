import { badInput } from '../../shared/errors.ts';
import { requireUuid } from '../../shared/validate.ts';
import { normaliseNationalId, normalisePhone } from '../identifiers.ts';
import type { PersonDto } from '../repository.ts';
import type { DeclarationsContext } from './context.ts';

export const Query = {
  person: (_: unknown, { id }: { id: string }, ctx: DeclarationsContext) => ctx.loaders.person.load(requireUuid(id, 'id')),

  people: (_: unknown, { ids }: { ids: string[] }, ctx: DeclarationsContext) => {
    if (ids.length > 5_000) throw badInput('At most 5000 ids per look-up.', 'ids');
    return ctx.loaders.person.loadMany(ids.map((id) => requireUuid(id, 'ids')));
  },

  findPerson: async (
    _: unknown,
    { phone, nationalId }: { phone?: string | null; nationalId?: string | null },
    ctx: DeclarationsContext,
  ): Promise<PersonDto | null> => {
    if ((phone == null) === (nationalId == null)) throw badInput('Give exactly one of phone or nationalId.');
    if (phone != null) {
      const normalised = normalisePhone(phone);
      if (!normalised) throw badInput('phone must have 10 digits starting with 0 (or +84).', 'phone');
      return ctx.people.byPhone(normalised);
    }
    const normalised = normaliseNationalId(nationalId ?? '');
    // The number itself is never echoed back in the message (it is personal data).
    if (!normalised) throw badInput('nationalId must be a 12-digit citizen ID or a 9-digit old identity card number.', 'nationalId');
    return ctx.people.byNationalIdHash(ctx.hashNationalId(normalised));
  },
};
