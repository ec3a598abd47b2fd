import type { Queue, Worker } from 'bullmq';
import type { Logger } from '../../shared/logger.ts';
import { logWorkerError, type QueueBackend } from '../../shared/queues.ts';
import type { CheckinsDb } from '../db/models.ts';
import { runCheckinsMaintenance, type CheckinsMaintenanceOptions } from '../partitions.ts';

/**
 * The repeatable check-ins maintenance job: daily partitions created ahead of time, partitions
 * older than the retention period dropped (retention drops partitions, it does not delete rows),
 * and open check-ins closed once they pass the maximum stay. Every step is idempotent, so the
 * schedule may fire on several hub instances or twice in a row without harm.
 */
export const CHECKINS_MAINTENANCE_QUEUE = 'checkins-maintenance';
const SCHEDULER_ID = 'checkins-maintenance-every';

export interface CheckinsMaintenanceJobs {
  queue: Queue;
  close(): Promise<void>;
}

export async function startCheckinsMaintenance(options: {
  backend: QueueBackend;
  db: CheckinsDb;
  logger: Logger;
  everyMs: number;
  maintenance?: CheckinsMaintenanceOptions;
}): Promise<CheckinsMaintenanceJobs> {
  const { backend, db, logger } = options;
  const queue = backend.createQueue<Record<string, never>>(CHECKINS_MAINTENANCE_QUEUE, {
    attempts: 5,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: 7 * 24 * 3600, count: 1_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });
  const worker: Worker = backend.createWorker(CHECKINS_MAINTENANCE_QUEUE, async () => {
    const result = await runCheckinsMaintenance(db, new Date(), options.maintenance);
    logger.info({ created: result.created.length, dropped: result.dropped, closed: result.closed }, 'check-ins maintenance done');
    return result;
  });
  worker.on('failed', (job, error) => logger.error({ job: job?.id, err: error }, 'check-ins maintenance failed'));
  worker.on('error', (error) => logWorkerError(logger, error, 'checkins-maintenance'));
  // The scheduler's first job runs at once, so partitions exist before the first check-in arrives.
  await queue.upsertJobScheduler(SCHEDULER_ID, { every: options.everyMs }, { name: 'maintain', data: {} });
  return {
    queue,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}
