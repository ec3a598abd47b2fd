import { DateTime } from '../../shared/scalars.ts';
import type { Resolvers } from '../../shared/subgraph.ts';
import { Case } from './Case.ts';
import { Contact } from './Contact.ts';
import type { TracingContext } from './context.ts';
import { CaseConfirmed, Mutation } from './Mutation.ts';
import { Person } from './Person.ts';
import { Query } from './Query.ts';
import { TracingRun } from './TracingRun.ts';

export type { AfterConfirm, AfterReject, PersonExists, TracingContext } from './context.ts';

export const resolvers: Resolvers<TracingContext> = {
  DateTime,
  Query,
  Mutation,
  CaseConfirmed,
  Case,
  Contact,
  TracingRun,
  Person,
};
