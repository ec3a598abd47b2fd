import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { SubgraphName } from '../catalog.ts';
import type { GraphClient } from './graph-client.ts';
import type { JobsModule } from './jobs.ts';
import type { Logger } from './logger.ts';
import type { QueueBackend } from './queues.ts';
import type { AnySubgraphDefinition } from './subgraph.ts';
import type { CertificateKeyConfig } from '../vaccination/certificates/keys.ts';

/**
 * `connections` of the subgraphs that qualify (units, declarations, tracing, province). Issue 17's
 * reads bench on a 2-core AMD EPYC, every subgraph's pool at 3 against 10 in alternating pairs:
 * PostgreSQL's CPU per every-subgraph read in declarations' database 0.73-0.81 against 0.85-0.96
 * ms, in units' 0.22-0.23 against 0.29 ms; later tracing's 0.45-0.51 against 0.70-0.72 ms and
 * province-79's 0.15-0.16 against 0.26-0.28 ms. One connection did better still, but left none for
 * a read while a crowd's audit rows are COPYed.
 */
export const FEW_CONNECTIONS = 3;

/** What a subgraph needs beyond its own database. */
export interface SubgraphConfig {
  /** Key of the keyed hash (HMAC-SHA256) under which national ID numbers are stored. */
  nationalIdKey: string;
  /** For the province subgraph: the one province this deployment serves. */
  provinceCode?: string;
  logger: Logger;
  /** The job queues, given to a module that `needs` them (tracing: `confirmCase` queues its run). */
  queues?: QueueBackend;
  /** The whole graph through the gateway, given to a module that `needs` it. */
  graph?: GraphClient;
  /** The vaccination certificates' keys, given to a module that `needs` them (CERTIFICATE_SIGNING_KEY…). */
  certificateKeys?: CertificateKeyConfig;
}

/**
 * Everything the launcher needs to run one subgraph: its tables (for drizzle), how to build it
 * around a database, and how to seed demo data. Shared by `npm start`, each service's own
 * index.ts and the end-to-end tests, so there is one way to start a subgraph.
 */
export interface SubgraphModule<TSchema extends Record<string, unknown> = Record<string, unknown>> {
  name: SubgraphName;
  tables: TSchema;
  /** The subgraph's definition, its context type erased (`AnySubgraphDefinition`): no cast needed. */
  build(db: PostgresJsDatabase<TSchema>, config: SubgraphConfig): AnySubgraphDefinition;
  /** Reference data every deployment needs (not demo data), written idempotently at each start. */
  prepare?(db: PostgresJsDatabase<TSchema>): Promise<void>;
  /** What the deployment must give `build` besides the database (SubgraphConfig's `queues`, `graph`). */
  needs?: { queues?: boolean; graph?: boolean; certificateKeys?: boolean };
  /**
   * The subgraph's background duties: run by the worker process (workers/index.ts), or by the
   * subgraph's own process with JOBS_IN_PROCESS=true, never only by the launcher.
   */
  jobs?: JobsModule<TSchema>;
  /**
   * The most connections its pool opens (shared/db.ts connect; 10 when absent). Fewer connections
   * cost PostgreSQL less per statement: statements that arrive while every connection is busy are
   * pipelined on one, and the backend runs them without sleeping in between, where each statement
   * on a connection of its own woke a backend of its own. Small only for a subgraph whose
   * statements are short look-ups and audit rows and which holds no connection while it waits for
   * another (a transaction that reads through the pool, an upload's COPY that waits for a look-up):
   * one that does would wait on itself once all its connections were held.
   */
  connections?: number;
}
