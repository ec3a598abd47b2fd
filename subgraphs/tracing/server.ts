import type { BaseContext } from '@apollo/server';
import * as tables from './db/schema.ts';
import type { TracingDb } from './db/models.ts';
import type { SubgraphModule } from '../shared/module.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { scopesOf } from './access.ts';
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
export function tracingSubgraph(db: TracingDb, hooks: TracingHooks = {}): SubgraphDefinition<TracingContext> {
  const repos = createRepositories(db);
  return {
    name: 'tracing',
    typeDefs,
    resolvers,
    createContext: (identity: Identity) => {
      const access = scopesOf(identity);
      const loaders = createLoaders(repos, access);
      return { identity, access, repos, loaders, reader: new TracingReader(identity, loaders), afterConfirm: hooks.afterConfirm, personExists: hooks.personExists };
    },
  };
}

/** A module whose `confirmCase` runs the given hooks (e.g. `createTracingModule({ afterConfirm: enqueue })`). */
export function createTracingModule(hooks: TracingHooks = {}): SubgraphModule<typeof tables> {
  return {
    name: 'tracing',
    tables,
    build: (db) => tracingSubgraph(db, hooks) as unknown as SubgraphDefinition<BaseContext>,
  };
}

/** The module without hooks: confirmations are stored and their runs wait, QUEUED, for a worker. */
export const tracingModule: SubgraphModule<typeof tables> = createTracingModule();
