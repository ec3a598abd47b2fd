import type { BaseContext } from '@apollo/server';
import * as tables from './db/schema.ts';
import type { TracingDb } from './db/models.ts';
import type { SubgraphConfig, SubgraphModule } from '../shared/module.ts';
import { AuditRepository, auditPlugin } from '../shared/audit.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { scopesOf } from './access.ts';
import { HealthAuditTrail } from './audit.ts';
import { createLoaders } from './loaders.ts';
import { TracingReader } from './reader.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type AfterConfirm, type PersonExists, type TracingContext } from './resolvers/index.ts';

export const typeDefs = loadSchemaFile(schemaFile('tracing'));

export interface TracingHooks {
  /**
   * HOOK POINT for the tracing worker piece: called with the case id once `confirmCase` has
   * committed the case and its QUEUED run (and again on a retry while the run is still QUEUED).
   * The worker piece passes a function that enqueues the BullMQ tracing job with jobId = case id.
   * Without it, runs stay QUEUED.
   */
  afterConfirm?: AfterConfirm;
  /** Checks through the graph that a confirmed case's person is registered (declarations). */
  personExists?: PersonExists;
}

/** The tracing subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function tracingSubgraph(db: TracingDb, config: Pick<SubgraphConfig, 'logger' | 'trust'>, hooks: TracingHooks = {}, now: () => Date = () => new Date()): SubgraphDefinition<TracingContext> {
  const repos = createRepositories(db);
  const auditRecords = new AuditRepository(db);
  // Switched off only for the benchmark's baseline: no audit (jurisdiction still applies).
  const trust = config.trust !== false;
  return {
    name: 'tracing',
    typeDefs,
    resolvers,
    createContext: (identity: Identity): TracingContext => {
      const access = scopesOf(identity);
      const loaders = createLoaders(repos, access);
      const audit = trust ? new HealthAuditTrail() : null;
      return {
        identity,
        access,
        repos,
        loaders,
        reader: new TracingReader({ identity, access, repos, loaders, audit }),
        audit,
        auditRecords,
        afterConfirm: hooks.afterConfirm,
        personExists: hooks.personExists,
      };
    },
    // Reads of health status are written to the tracing database's audit_records before the response leaves.
    plugins: trust ? [auditPlugin<TracingContext>({ subgraph: 'tracing', repository: auditRecords, now, logger: config.logger })] : [],
  };
}

/** A module whose `confirmCase` runs the given hooks (e.g. `createTracingModule({ afterConfirm: enqueue })`). */
export function createTracingModule(hooks: TracingHooks = {}): SubgraphModule<typeof tables> {
  return {
    name: 'tracing',
    tables,
    build: (db, config) => tracingSubgraph(db, config, hooks) as unknown as SubgraphDefinition<BaseContext>,
  };
}

/** The module without hooks: confirmations are stored and their runs wait, QUEUED, for a worker. */
export const tracingModule: SubgraphModule<typeof tables> = createTracingModule();
