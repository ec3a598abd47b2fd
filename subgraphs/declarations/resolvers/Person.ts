import type { GraphQLResolveInfo } from 'graphql';
import type { PersonView } from '../access.ts';
import type { DeclarationsContext } from './context.ts';

// Persons arrive here already decided and masked by the reader: a masked field is null in the view.
export const Person = {
  // A reference another subgraph holds (an exposure's contact, a case's contact) is read like any other.
  // (`info` is typed unknown only because @apollo/subgraph's resolver map types this like a field resolver.)
  __resolveReference: (ref: { id: string }, ctx: DeclarationsContext, info: unknown) => ctx.reader.byId(ref.id, info as GraphQLResolveInfo),
  residence: (p: PersonView) => (p.residenceWardCode ? { code: p.residenceWardCode } : null),
  residenceProvince: (p: PersonView) => (p.residenceProvinceCode ? { code: p.residenceProvinceCode } : null),
  declarations: (p: PersonView, _: unknown, ctx: DeclarationsContext) => (p.visible.has('declarations') ? ctx.loaders.declarationsOfPerson.load(p.id) : null),
  registeredAt: (p: PersonView) => p.createdAt,
};
