import { DateTime } from '../../shared/scalars.ts';
import type { Resolvers } from '../../shared/subgraph.ts';
import type { CheckinsContext } from './context.ts';
import { CheckIn } from './CheckIn.ts';
import { Exposure } from './Exposure.ts';
import { ExposureColumns } from './ExposureColumns.ts';
import { Mutation } from './Mutation.ts';
import { Person } from './Person.ts';
import { Query } from './Query.ts';
import { Venue } from './Venue.ts';

export type { CheckinsContext };

// Result unions resolve by the `__typename` on each result object (put by the repository, or by Mutation for an input validation.ts refuses).
export const resolvers: Resolvers<CheckinsContext> = {
  DateTime,
  Query,
  Mutation,
  Venue,
  CheckIn,
  Person,
  Exposure,
  ExposureColumns,
};
