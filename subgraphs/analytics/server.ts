import * as tables from './db/schema.ts';
import type { AnalyticsDb } from './db/models.ts';
import type { SubgraphModule } from '../shared/module.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { Briefing } from './briefing.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type AnalyticsContext } from './resolvers/index.ts';
import { analyticsJobs } from './jobs/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('analytics'));

/** The analytics subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function analyticsSubgraph(db: AnalyticsDb): SubgraphDefinition<AnalyticsContext> {
  const briefing = new Briefing(createRepositories(db));
  return {
    name: 'analytics',
    typeDefs,
    resolvers,
    // Aggregates only: no person is read here, so there is nothing to audit.
    createContext: (identity: Identity): AnalyticsContext => ({ identity, briefing }),
  };
}

/** The national analytics subgraph (phân tích, dự báo): daily rollups fed by the other subgraphs' events. */
export const analyticsModule: SubgraphModule<typeof tables> = {
  name: 'analytics',
  tables,
  // The domain-events consumer (jobs/index.ts).
  jobs: analyticsJobs,
  prepare: (db) => createRepositories(db).serialIntervals.ensureDefault(),
  build: (db) => analyticsSubgraph(db),
};
