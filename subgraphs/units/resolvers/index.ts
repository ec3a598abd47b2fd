import type { Resolvers } from '../../shared/subgraph.ts';
import type { UnitsContext } from './context.ts';
import { Coverage } from './Coverage.ts';
import { LegacyWard } from './LegacyWard.ts';
import { Province } from './Province.ts';
import { Query } from './Query.ts';
import { Ward } from './Ward.ts';

export type { UnitsContext } from './context.ts';

export const resolvers: Resolvers<UnitsContext> = {
  Query,
  Province,
  Ward,
  LegacyWard,
  Coverage,
};
