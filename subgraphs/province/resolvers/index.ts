import { DateTime } from '../../shared/scalars.ts';
import type { Resolvers } from '../../shared/subgraph.ts';
import type { ProvinceContext } from './context.ts';
import { Mutation } from './Mutation.ts';
import { Province } from './Province.ts';
import { Query } from './Query.ts';
import { QuarantineFacility } from './QuarantineFacility.ts';
import { TestingSite } from './TestingSite.ts';
import { Tracer } from './Tracer.ts';
import { TracerTeam } from './TracerTeam.ts';
import { TracingTask } from './TracingTask.ts';
import { Zone } from './Zone.ts';

export type { ProvinceContext } from './context.ts';

// Union members are told apart by the `__typename` each mutation resolver sets on its result.
export const resolvers: Resolvers<ProvinceContext> = {
  DateTime,
  Query,
  Mutation,
  Province,
  QuarantineFacility,
  TestingSite,
  TracerTeam,
  Tracer,
  TracingTask,
  Zone,
};
