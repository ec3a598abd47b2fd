import * as tables from './db/schema.ts';
import type { TestingDb } from './db/models.ts';
import type { SubgraphConfig, SubgraphModule } from '../shared/module.ts';
import { AuditRepository, auditHooks } from '../shared/audit.ts';
import type { Identity } from '../shared/identity.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { scopeOf } from './access.ts';
import { TestResultAuditTrail } from './audit.ts';
import { createLoaders } from './loaders.ts';
import { TestingReader } from './reader.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type AfterRecord, type TestingContext } from './resolvers/index.ts';
import { testingJobs } from './jobs/index.ts';
import { ReferenceCache, type CheckReferences } from './references.ts';
import { CONFIRMATION_QUEUE, confirmationJobOptions, enqueueConfirmations, type ConfirmationJob } from './jobs/confirmation.queue.ts';

export const typeDefs = loadSchemaFile(schemaFile('testing'));

/** The testing subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export interface TestingHooks {
  /** Queues positives for the confirmation rules (the testing jobs); without it no case is confirmed automatically. */
  afterRecord?: AfterRecord;
  /** Checks that an upload's testing sites and people exist (through the graph); without it only their shape is checked. */
  checkReferences?: CheckReferences;
  close?: () => Promise<void>;
}

const ENQUEUE_TIMEOUT_MS = 2_000;

/**
 * With the deployment's queues, `recordTestResults` queues each positive for the confirmation
 * jobs; with the graph, it checks that the sites and people an upload names exist.
 */
export function hooksFrom(config: Pick<SubgraphConfig, 'queues' | 'graph' | 'logger'>): TestingHooks {
  const queue = config.queues?.createQueue<ConfirmationJob>(CONFIRMATION_QUEUE, confirmationJobOptions);
  // The results are committed: a lab whose upload was stored is not told it failed because the
  // queue is down. The testing jobs' sweep queues every positive not yet judged.
  // Nor kept waiting: with Redis down the queue's client retries without end.
  const afterRecord = async (jobs: readonly ConfirmationJob[]) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the queue did not answer within ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS);
    });
    try {
      const enqueued = enqueueConfirmations(queue!, jobs);
      enqueued.catch(() => {}); // reported by the race, or too late to matter
      await Promise.race([enqueued, timeout]);
    } catch (error) {
      config.logger.warn({ err: error, positives: jobs.length }, 'positives stored but not queued for confirmation; the sweep queues them');
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    ...(queue ? { afterRecord, close: () => queue.close() } : {}),
    ...(config.graph ? { checkReferences: new ReferenceCache(config.graph).check } : {}),
  };
}

export function testingSubgraph(db: TestingDb, config: Pick<SubgraphConfig, 'logger'>, hooks: TestingHooks = {}, now: () => Date = () => new Date()): SubgraphDefinition<TestingContext> {
  const repos = createRepositories(db);
  const auditRecords = new AuditRepository(db);
  return {
    name: 'testing',
    typeDefs,
    resolvers,
    createContext: (identity: Identity): TestingContext => {
      const loaders = createLoaders(repos, scopeOf(identity));
      const audit = new TestResultAuditTrail();
      return { afterRecord: hooks.afterRecord, checkReferences: hooks.checkReferences, identity, repos, loaders, reader: new TestingReader({ identity, loaders, audit }), audit, auditRecords };
    },
    // Reads of test results are written to the testing database's audit_records before the response leaves.
    hooks: [auditHooks<TestingContext>({ subgraph: 'testing', repository: auditRecords, now, logger: config.logger })],
    ...(hooks.close ? { close: hooks.close } : {}),
  };
}

/** The national testing subgraph (xét nghiệm): labs' results, read under the same trust rules as cases. */
export const testingModule: SubgraphModule<typeof tables> = {
  name: 'testing',
  tables,
  needs: { queues: true, graph: true },
  // Positive results confirm cases through the graph (jobs/index.ts).
  jobs: testingJobs,
  prepare: (db) => createRepositories(db).schedules.ensureDefaultRules(),
  build: (db, config) => testingSubgraph(db, config, hooksFrom(config)),
};
