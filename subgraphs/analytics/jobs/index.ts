import type { Job } from 'bullmq';
import { DOMAIN_EVENTS_QUEUE, type DomainEventsJob } from '../../shared/events.ts';
import type { JobsModule, RunningJobs } from '../../shared/jobs.ts';
import { logWorkerError } from '../../shared/queues.ts';
import type * as tables from '../db/schema.ts';
import { createRepositories } from '../repositories/index.ts';

export interface RunningAnalyticsJobs extends RunningJobs {
  startWorkers(): void;
}

/** Options the launcher may give (no workers until the hub is up). */
export interface AnalyticsJobsTuning {
  workers?: boolean;
}

/**
 * The analytics subgraph's background duty: the `domain-events` queue consumed into the daily
 * rollups. One job is a relay's batch, applied in one transaction (repositories/rollups.ts) that
 * records each event id: a job retried after a crash, or an event relayed twice, changes nothing.
 * One job at a time keeps the rollup upserts free of lock-order fights.
 */
export function createAnalyticsJobsModule(tuning: AnalyticsJobsTuning = {}): JobsModule<typeof tables, RunningAnalyticsJobs> {
  return {
    name: 'analytics',
    start: async ({ db, queues, logger }) => {
      const repos = createRepositories(db);
      const workers: Array<{ close(): Promise<void> }> = [];
      const startWorkers = () => {
        const worker = queues.createWorker<DomainEventsJob, number>(DOMAIN_EVENTS_QUEUE, (job: Job<DomainEventsJob>) => repos.rollups.apply(job.data.events), { concurrency: 1 });
        worker.on('failed', (job, error) => logger.warn({ job: job?.id, attempts: job?.attemptsMade, err: error }, 'domain events job attempt failed'));
        worker.on('error', (error) => logWorkerError(logger, error, DOMAIN_EVENTS_QUEUE));
        workers.push(worker);
      };
      if (tuning.workers !== false) startWorkers();
      return {
        startWorkers,
        close: async () => {
          await Promise.all(workers.splice(0).map((w) => w.close()));
        },
      };
    },
  };
}

export const analyticsJobs = createAnalyticsJobsModule();
