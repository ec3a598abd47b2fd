import * as tables from './db/schema.ts';
import type { SubgraphModule } from '../shared/module.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { createLoaders } from './loaders.ts';
import { UnitsRepository, type UnitsDb } from './repository.ts';
import { resolvers, type UnitsContext } from './resolvers/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('units'));

/** The units subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function unitsSubgraph(db: UnitsDb): SubgraphDefinition<UnitsContext> {
  const repo = new UnitsRepository(db);
  return {
    name: 'units',
    typeDefs,
    resolvers,
    createContext: (identity: Identity) => ({ identity, repo, loaders: createLoaders(repo) }),
  };
}

export const unitsModule: SubgraphModule<typeof tables> = {
  name: 'units',
  tables,
  build: (db) => unitsSubgraph(db),
  // The 34 provinces are reference data every hub needs, demo or not.
  prepare: (db) => new UnitsRepository(db).seedDirectory(),
};
