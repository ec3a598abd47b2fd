import * as tables from './db/schema.ts';
import type { TracingDb } from './db/models.ts';
import { FEW_CONNECTIONS, type SubgraphConfig, type SubgraphModule } from '../shared/module.ts';
import { AuditRepository, auditHooks } from '../shared/audit.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { scopesOf } from './access.ts';
import { HealthAuditTrail } from './audit.ts';
import { createLoaders } from './loaders.ts';
import { TracingReader } from './reader.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type AfterConfirm, type AfterReject, type PersonExists, type TracingContext } from './resolvers/index.ts';
import { tracingJobs } from './jobs/index.ts';
import { enqueueTracingRun, runJobOptions, TRACING_RUN_QUEUE, type TracingRunJob } from './jobs/tracing-run.queue.ts';
import { CASE_WITHDRAWAL_QUEUE, enqueueCaseWithdrawal, withdrawalJobOptions, type CaseWithdrawalJob } from './jobs/case-withdrawal.ts';

export const typeDefs = loadSchemaFile(schemaFile('tracing'));

export interface TracingHooks {
  /**
   * Called with the case id once `confirmCase` has committed the case and its QUEUED run (and again
   * on a retry while the run is still QUEUED): queues the tracing job (job id = case id). Without
   * it, runs stay QUEUED until the tracing jobs' sweep queues them.
   */
  afterConfirm?: AfterConfirm;
  /** Called once `rejectCase` has committed (and on a repeat): queues the withdrawal of the case's tasks and schedules. */
  afterReject?: AfterReject;
  /** Checks through the graph that a confirmed case's person is registered (declarations). */
  personExists?: PersonExists;
  /** Releases what the hooks hold (the queue's connection), when the subgraph stops. */
  close?: () => Promise<void>;
}

/**
 * The hooks a deployment's configuration gives: with `queues`, `confirmCase` queues the case's run;
 * with `graph`, it checks through the gateway that the person is registered.
 */
export function hooksFrom(config: Pick<SubgraphConfig, 'queues' | 'graph'>): TracingHooks {
  const queue = config.queues?.createQueue<TracingRunJob>(TRACING_RUN_QUEUE, runJobOptions);
  const withdrawals = config.queues?.createQueue<CaseWithdrawalJob>(CASE_WITHDRAWAL_QUEUE, withdrawalJobOptions);
  const graph = config.graph;
  return {
    ...(queue && withdrawals
      ? {
          afterConfirm: (caseId: string) => enqueueTracingRun(queue, caseId),
          afterReject: (caseId: string) => enqueueCaseWithdrawal(withdrawals, caseId),
          close: async () => {
            await Promise.all([queue.close(), withdrawals.close()]);
          },
        }
      : {}),
    ...(graph
      ? {
          personExists: async (personId: string) => {
            const data = await graph.mustQuery<{ people: Array<{ id: string } | null> }>('query PersonExists($ids: [ID!]!) { people(ids: $ids) { id } }', { ids: [personId] });
            return data.people[0] != null;
          },
        }
      : {}),
  };
}

/** The tracing subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function tracingSubgraph(db: TracingDb, config: Pick<SubgraphConfig, 'logger'>, hooks: TracingHooks = {}, now: () => Date = () => new Date()): SubgraphDefinition<TracingContext> {
  const repos = createRepositories(db);
  const auditRecords = new AuditRepository(db);
  return {
    name: 'tracing',
    typeDefs,
    resolvers,
    createContext: (identity: Identity): TracingContext => {
      const access = scopesOf(identity);
      const loaders = createLoaders(repos, access);
      const audit = new HealthAuditTrail();
      return {
        identity,
        access,
        repos,
        loaders,
        reader: new TracingReader({ identity, access, repos, loaders, audit }),
        audit,
        auditRecords,
        afterConfirm: hooks.afterConfirm,
        afterReject: hooks.afterReject,
        personExists: hooks.personExists,
      };
    },
    // Reads of health status are written to the tracing database's audit_records before the response leaves.
    hooks: [auditHooks<TracingContext>({ subgraph: 'tracing', repository: auditRecords, now, logger: config.logger })],
    ...(hooks.close ? { close: hooks.close } : {}),
  };
}

/**
 * The tracing subgraph: `confirmCase` queues each run on the deployment's queues and checks people
 * through the graph (`hooksFrom`); its background duties are the tracing jobs (jobs/index.ts).
 */
export const tracingModule: SubgraphModule<typeof tables> = {
  name: 'tracing',
  tables,
  needs: { queues: true, graph: true },
  jobs: tracingJobs,
  build: (db, config) => tracingSubgraph(db, config, hooksFrom(config)),
  connections: FEW_CONNECTIONS,
};
