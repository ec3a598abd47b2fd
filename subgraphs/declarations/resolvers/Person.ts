import { isUuid } from '../../shared/validate.ts';
import type { PersonDto } from '../repository.ts';
import type { DeclarationsContext } from './context.ts';

export const Person = {
  // A reference with a malformed id cannot match anyone: null, without a query.
  __resolveReference: (ref: { id: string }, ctx: DeclarationsContext) =>
    isUuid(ref.id) ? ctx.loaders.person.load(ref.id.toLowerCase()) : null,
  residence: (p: PersonDto) => ({ code: p.residenceWardCode }),
  residenceProvince: (p: PersonDto) => ({ code: p.residenceProvinceCode }),
  declarations: (p: PersonDto, _: unknown, ctx: DeclarationsContext) => ctx.loaders.declarationsOfPerson.load(p.id),
  registeredAt: (p: PersonDto) => p.createdAt,
};
