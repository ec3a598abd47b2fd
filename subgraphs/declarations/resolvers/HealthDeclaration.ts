import type { GraphQLResolveInfo } from 'graphql';
import type { HealthDeclarationDto } from '../repositories/index.ts';
import type { DeclarationsContext } from './context.ts';

export const HealthDeclaration = {
  person: (d: HealthDeclarationDto, _: unknown, ctx: DeclarationsContext, info: GraphQLResolveInfo) => ctx.reader.byId(d.personId, info),
};
