import type { BaseContext } from '@apollo/server';
import * as tables from './db/schema.ts';
import type { SubgraphModule } from '../shared/module.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { PROVINCE_CODE } from '../shared/validate.ts';
import { schemaFile } from '../catalog.ts';
import { createLoaders } from './loaders.ts';
import { createRepositories, type ProvinceDb } from './repositories/index.ts';
import { resolvers, type ProvinceContext } from './resolvers/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('province'));

/**
 * One deployment of the province subgraph: the same schema for every province, built around the
 * database of the one province it serves; index.ts (or the hub launcher) starts it.
 */
export function provinceSubgraph(db: ProvinceDb, provinceCode: string): SubgraphDefinition<ProvinceContext> {
  if (!PROVINCE_CODE.test(provinceCode)) throw new Error(`The province subgraph needs a two-digit province code, got "${provinceCode}"`);
  const repos = createRepositories(db, provinceCode);
  return {
    name: 'province',
    typeDefs,
    resolvers,
    createContext: (identity: Identity) => ({ identity, provinceCode, repos, loaders: createLoaders(repos) }),
  };
}

export const provinceModule: SubgraphModule<typeof tables> = {
  name: 'province',
  tables,
  build: (db, config) => {
    if (!config.provinceCode) throw new Error('The province subgraph is deployed per province: set config.provinceCode (PROVINCE_CODE).');
    return provinceSubgraph(db, config.provinceCode) as unknown as SubgraphDefinition<BaseContext>;
  },
};
