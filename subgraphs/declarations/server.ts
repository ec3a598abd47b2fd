import type { BaseContext } from '@apollo/server';
import * as tables from './db/schema.ts';
import type { SubgraphConfig, SubgraphModule } from '../shared/module.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { nationalIdHasher } from './identifiers.ts';
import { createLoaders } from './loaders.ts';
import { HealthDeclarationsRepository, PeopleRepository, type DeclarationsDb } from './repository.ts';
import { resolvers, type DeclarationsContext } from './resolvers/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('declarations'));

export interface DeclarationsOptions {
  /** The clock; tests pin it. Default: the system clock. */
  now?: () => Date;
}

/** The declarations subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function declarationsSubgraph(
  db: DeclarationsDb,
  config: Pick<SubgraphConfig, 'nationalIdKey'>,
  options: DeclarationsOptions = {},
): SubgraphDefinition<DeclarationsContext> {
  const people = new PeopleRepository(db);
  const declarations = new HealthDeclarationsRepository(db);
  const hashNationalId = nationalIdHasher(config.nationalIdKey);
  const now = options.now ?? (() => new Date());
  return {
    name: 'declarations',
    typeDefs,
    resolvers,
    createContext: (identity: Identity) => ({
      identity,
      people,
      declarations,
      loaders: createLoaders(people, declarations),
      hashNationalId,
      now,
    }),
  };
}

export const declarationsModule: SubgraphModule<typeof tables> = {
  name: 'declarations',
  tables,
  build: (db, config) => declarationsSubgraph(db, config) as unknown as SubgraphDefinition<BaseContext>,
};
