import * as tables from './db/schema.ts';
import { vaccinationJobs } from './jobs/index.ts';
import type { VaccinationDb } from './db/models.ts';
import type { SubgraphConfig, SubgraphModule } from '../shared/module.ts';
import { AuditRepository, auditHooks } from '../shared/audit.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { scopeOf } from './access.ts';
import { VaccinationAuditTrail } from './audit.ts';
import { createLoaders } from './loaders.ts';
import { VaccinationReader } from './reader.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type VaccinationContext } from './resolvers/index.ts';
import { graphLookup, WardDirectory, type UnitsLookup } from './wards.ts';
import { certificateRoutes, CertificateDesk } from './certificates/desk.ts';
import { DEV_CERTIFICATE_KEYS } from './certificates/keys.ts';
import { CertificateSigner } from './certificates/sign.ts';
import { graphInputs, noGraphInputs, type GraphInputs } from './graph-inputs.ts';
import { healthPassOf } from './health-pass-reader.ts';

export const typeDefs = loadSchemaFile(schemaFile('vaccination'));

/** Without the graph (a subgraph built alone), every residence code is unknown. */
const noUnits: UnitsLookup = async () => ({ wards: [], legacyWards: [] });

export function vaccinationSubgraph(
  db: VaccinationDb,
  config: Pick<SubgraphConfig, 'logger' | 'graph' | 'certificateKeys'>,
  options: { lookup?: UnitsLookup; inputs?: GraphInputs; now?: () => Date } = {},
): SubgraphDefinition<VaccinationContext> {
  const repos = createRepositories(db);
  const auditRecords = new AuditRepository(db);
  const wards = new WardDirectory(options.lookup ?? (config.graph ? graphLookup(config.graph) : noUnits));
  // Certificates' names and the health pass's tests and cases come from other subgraphs, through the graph.
  const inputs = options.inputs ?? (config.graph ? graphInputs(config.graph) : noGraphInputs);
  const signer = new CertificateSigner(config.certificateKeys ?? DEV_CERTIFICATE_KEYS);
  return {
    name: 'vaccination',
    typeDefs,
    resolvers,
    createContext: (identity: Identity): VaccinationContext => {
      const loaders = createLoaders(repos, scopeOf(identity));
      const audit = new VaccinationAuditTrail();
      return {
        identity,
        repos,
        loaders,
        reader: new VaccinationReader({ identity, loaders, audit }),
        wards,
        audit,
        auditRecords,
        certificates: new CertificateDesk({ identity, repos, loaders, audit, inputs, signer }),
        healthPass: (personId) => healthPassOf({ identity, repos, loaders, audit, inputs }, personId, options.now?.()),
      };
    },
    // Reads of doses and statuses are written to the vaccination database's audit_records before the response leaves.
    hooks: [auditHooks<VaccinationContext>({ subgraph: 'vaccination', repository: auditRecords, now: options.now ?? (() => new Date()), logger: config.logger })],
    // The public key set and revocation list verifiers cache, relayed by the gateway at /.well-known/.
    routes: certificateRoutes(signer, repos),
  };
}

/**
 * The national vaccination subgraph (tiêm chủng): doses sites record, statuses, coverage by ward
 * and age group; read under the same trust rules as cases and test results.
 */
export const vaccinationModule: SubgraphModule<typeof tables> = {
  name: 'vaccination',
  tables,
  // Doses for the analytics subgraph (jobs/index.ts: the outbox relay).
  jobs: vaccinationJobs,
  // Residence codes (current and pre-2025) are resolved through the units subgraph.
  // Certificates are signed with the deployment's key (CERTIFICATE_SIGNING_KEY).
  needs: { graph: true, certificateKeys: true },
  prepare: async (db) => {
    const repos = createRepositories(db);
    await repos.products.ensureDefaults();
    await repos.healthPassRules.ensureDefaultRules();
  },
  build: (db, config) => vaccinationSubgraph(db, config),
};
