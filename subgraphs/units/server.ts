import * as tables from './db/schema.ts';
import { FEW_CONNECTIONS, type SubgraphModule } from '../shared/module.ts';
import type { Identity } from '../shared/identity.ts';
import { EVERY_FIELD, loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { createLoaders } from './loaders.ts';
import type { UnitsDb } from './db/models.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type UnitsContext } from './resolvers/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('units'));

/** The units subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function unitsSubgraph(db: UnitsDb): SubgraphDefinition<UnitsContext> {
  const repos = createRepositories(db);
  return {
    name: 'units',
    typeDefs,
    resolvers,
    createContext: (identity: Identity) => ({ identity, repos, loaders: createLoaders(repos) }),
    // Administrative units are public and change once in years (an import): the gateway keeps
    // them for five minutes instead of asking here for every residence of every read.
    publicEntities: { types: { Ward: EVERY_FIELD, Province: EVERY_FIELD }, maxAgeSeconds: 300 },
  };
}

export const unitsModule: SubgraphModule<typeof tables> = {
  name: 'units',
  tables,
  build: (db) => unitsSubgraph(db),
  // The 34 provinces are reference data every hub needs, demo or not.
  prepare: (db) => createRepositories(db).units.seedDirectory(),
  // Ward and province look-ups; its transactions (seed, import) read nothing through the pool.
  connections: FEW_CONNECTIONS,
};
