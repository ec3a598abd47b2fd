import { DateTime } from '../../shared/scalars.ts';
import type { Resolvers } from '../../shared/subgraph.ts';
import type { DeclarationsContext } from './context.ts';
import { BreakGlassGrant } from './BreakGlassGrant.ts';
import { HealthDeclaration } from './HealthDeclaration.ts';
import { Mutation, PersonAlreadyRegistered, PersonRegistered } from './Mutation.ts';
import { Person } from './Person.ts';
import { Query } from './Query.ts';

export type { DeclarationsContext } from './context.ts';

export const resolvers: Resolvers<DeclarationsContext> = {
  DateTime,
  Query,
  Mutation,
  Person,
  HealthDeclaration,
  BreakGlassGrant,
  PersonRegistered,
  PersonAlreadyRegistered,
};
