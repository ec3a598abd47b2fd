import * as tables from './db/schema.ts';
import { FEW_CONNECTIONS, type SubgraphConfig, type SubgraphModule } from '../shared/module.ts';
import { AuditRepository } from '../shared/audit.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { BREAK_GLASS_DEFAULT_TTL_MS } from './access.ts';
import { AuditTrail, auditHooks } from './audit.ts';
import { nationalIdHasher } from './identifiers.ts';
import { createLoaders } from './loaders.ts';
import { PersonReader } from './reader.ts';
import type { DeclarationsDb } from './db/models.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type DeclarationsContext } from './resolvers/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('declarations'));

export interface DeclarationsOptions {
  /** The clock; tests pin it. Default: the system clock. */
  now?: () => Date;
  /** How long a break-the-glass grant lasts. Default one hour. */
  breakGlassTtlMs?: number;
}

/** The declarations subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function declarationsSubgraph(
  db: DeclarationsDb,
  config: Pick<SubgraphConfig, 'nationalIdKey' | 'logger'>,
  options: DeclarationsOptions = {},
): SubgraphDefinition<DeclarationsContext> {
  const { people, declarations, grants } = createRepositories(db);
  const auditRecords = new AuditRepository(db);
  const hashNationalId = nationalIdHasher(config.nationalIdKey);
  const now = options.now ?? (() => new Date());
  return {
    name: 'declarations',
    typeDefs,
    resolvers,
    createContext: (identity: Identity): DeclarationsContext => {
      const loaders = createLoaders(people, declarations);
      const audit = new AuditTrail();
      return {
        identity,
        people,
        declarations,
        grants,
        auditRecords,
        loaders,
        reader: new PersonReader({ identity, rows: loaders.person, rowsWithDeclarations: loaders.personWithDeclarations, people, grants, audit, now }),
        audit,
        hashNationalId,
        now,
        breakGlassTtlMs: options.breakGlassTtlMs ?? BREAK_GLASS_DEFAULT_TTL_MS,
      };
    },
    hooks: [auditHooks<DeclarationsContext>(auditRecords, now, config.logger)],
  };
}

export const declarationsModule: SubgraphModule<typeof tables> = {
  name: 'declarations',
  tables,
  build: (db, config) => declarationsSubgraph(db, config),
  // People and declarations by key, and audit rows (a crowd's by COPY, which waits for nothing else).
  connections: FEW_CONNECTIONS,
};
