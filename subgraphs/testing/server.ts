import * as tables from './db/schema.ts';
import type { TestingDb } from './db/models.ts';
import type { SubgraphConfig, SubgraphModule } from '../shared/module.ts';
import { AuditRepository, auditPlugin } from '../shared/audit.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { scopeOf } from './access.ts';
import { TestResultAuditTrail } from './audit.ts';
import { createLoaders } from './loaders.ts';
import { TestingReader } from './reader.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type TestingContext } from './resolvers/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('testing'));

/** The testing subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function testingSubgraph(db: TestingDb, config: Pick<SubgraphConfig, 'logger'>, now: () => Date = () => new Date()): SubgraphDefinition<TestingContext> {
  const repos = createRepositories(db);
  const auditRecords = new AuditRepository(db);
  return {
    name: 'testing',
    typeDefs,
    resolvers,
    createContext: (identity: Identity): TestingContext => {
      const loaders = createLoaders(repos, scopeOf(identity));
      const audit = new TestResultAuditTrail();
      return { identity, repos, loaders, reader: new TestingReader({ identity, loaders, audit }), audit, auditRecords };
    },
    // Reads of test results are written to the testing database's audit_records before the response leaves.
    plugins: [auditPlugin<TestingContext>({ subgraph: 'testing', repository: auditRecords, now, logger: config.logger })],
  };
}

/** The national testing subgraph (xét nghiệm): labs' results, read under the same trust rules as cases. */
export const testingModule: SubgraphModule<typeof tables> = {
  name: 'testing',
  tables,
  build: (db, config) => testingSubgraph(db, config),
};
