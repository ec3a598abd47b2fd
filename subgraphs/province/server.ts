import * as tables from './db/schema.ts';
import { FEW_CONNECTIONS, type SubgraphConfig, type SubgraphModule } from '../shared/module.ts';
import { AuditRepository, auditHooks } from '../shared/audit.ts';
import type { Identity } from '../shared/identity.ts';
import { EVERY_FIELD, loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { PROVINCE_CODE } from '../shared/validate.ts';
import { schemaFile } from '../catalog.ts';
import { accessOf } from './access.ts';
import { ProvinceAuditTrail } from './audit.ts';
import { createLoaders } from './loaders.ts';
import { ProvinceReader } from './reader.ts';
import type { ProvinceDb } from './db/models.ts';
import { createRepositories } from './repositories/index.ts';
import { provinceJobs } from './jobs/index.ts';
import { resolvers, type ProvinceContext } from './resolvers/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('province'));

/** How long a gateway may serve the province's public entities (`publicEntities` below) without asking. */
export const PUBLIC_MAX_AGE_SECONDS = 10;

/**
 * One deployment of the province subgraph: the same schema for every province, built around the
 * database of the one province it serves; index.ts (or the hub launcher) starts it.
 */
export function provinceSubgraph(
  db: ProvinceDb,
  provinceCode: string,
  config: Pick<SubgraphConfig, 'logger'>,
  now: () => Date = () => new Date(),
): SubgraphDefinition<ProvinceContext> {
  if (!PROVINCE_CODE.test(provinceCode)) throw new Error(`The province subgraph needs a two-digit province code, got "${provinceCode}"`);
  const repos = createRepositories(db, provinceCode);
  const auditRecords = new AuditRepository(db);
  return {
    name: 'province',
    typeDefs,
    resolvers,
    createContext: (identity: Identity): ProvinceContext => {
      const access = accessOf(identity, provinceCode);
      const loaders = createLoaders(repos, access);
      const audit = new ProvinceAuditTrail();
      const reader = new ProvinceReader({ identity, provinceCode, access, loaders, audit });
      return { identity, provinceCode, access, repos, loaders, reader, audit, auditRecords };
    },
    // What the province publishes (its hotline and quarantine facilities) is the same for every
    // caller, and a national read asks it for every person's residence: the gateway keeps it for a
    // few seconds. Free beds may then lag a report by that long on another gateway; the gateway that
    // carried a mutation to the province drops what it kept of it at once. Testing sites are not
    // kept: the testing subgraph checks each upload's sites against the province's list, and a site
    // added a second ago must be found (testing/references.ts).
    publicEntities: {
      types: { Province: ['code', 'hotline', 'quarantineFacilities'], QuarantineFacility: EVERY_FIELD },
      maxAgeSeconds: PUBLIC_MAX_AGE_SECONDS,
    },
    // Reads of tasks and tracers are written to the province's audit_records before the response leaves.
    hooks: [auditHooks<ProvinceContext>({ subgraph: 'province', repository: auditRecords, now, logger: config.logger })],
  };
}

export const provinceModule: SubgraphModule<typeof tables> = {
  name: 'province',
  tables,
  jobs: provinceJobs,
  connections: FEW_CONNECTIONS,
  build: (db, config) => {
    if (!config.provinceCode) throw new Error('The province subgraph is deployed per province: set config.provinceCode (PROVINCE_CODE).');
    return provinceSubgraph(db, config.provinceCode, config);
  },
};
