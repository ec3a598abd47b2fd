import type { Resolvers } from '../../shared/subgraph.ts';
import type { AnalyticsContext } from './context.ts';
import { Query } from './Query.ts';

export type { AnalyticsContext } from './context.ts';

export const resolvers: Resolvers<AnalyticsContext> = { Query };
