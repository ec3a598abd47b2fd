import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { GraphClient } from './graph-client.ts';
import type { Logger } from './logger.ts';
import type { QueueBackend } from './queues.ts';

/**
 * A subgraph's background duties (queue workers, schedules): the one shape every subgraph with
 * jobs follows (`subgraphs/<name>/jobs/index.ts`), so the worker process (`workers/index.ts`),
 * a subgraph's own process (`JOBS_IN_PROCESS=true`) and the all-in-one launcher start the same
 * thing the same way. Jobs work on their subgraph's own database and reach other subgraphs only
 * through the graph, like any client.
 */
export interface JobsModule<TSchema extends Record<string, unknown> = Record<string, unknown>, TRunning extends RunningJobs = RunningJobs> {
  /** The jobs' name in WORKER_JOBS and in logs, e.g. `tracing`, `checkins-maintenance`. */
  name: string;
  start(deps: JobsDeps<TSchema>): Promise<TRunning>;
}

export interface JobsDeps<TSchema extends Record<string, unknown>> {
  /** The subgraph's own database. */
  db: PostgresJsDatabase<TSchema>;
  queues: QueueBackend;
  /** The whole graph through the gateway, as the `service` role. */
  graph: GraphClient;
  logger: Logger;
  settings: JobsSettings;
}

/** Deployment settings jobs read (from the environment, or the launcher's options). */
export interface JobsSettings {
  /** Check-ins older than this many days are dropped. */
  retentionDays: number;
  /** How often the check-ins maintenance runs. */
  maintenanceEveryMs: number;
  /** How often a queued run that has no job (its enqueue was lost) is queued again. */
  sweepEveryMs: number;
}

export const DEFAULT_JOBS_SETTINGS: JobsSettings = { retentionDays: 21, maintenanceEveryMs: 3_600_000, sweepEveryMs: 30_000 };

export interface RunningJobs {
  /** Stops taking jobs, waits for the ones in progress, then closes queues and timers. */
  close(): Promise<void>;
}
