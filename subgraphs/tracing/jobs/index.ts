import type { JobsModule } from '../../shared/jobs.ts';
import type * as tables from '../db/schema.ts';
import { createRepositories, type TracingRepositories } from '../repositories/index.ts';
import { createTracingJobs, type TracingJobs, type TracingJobsOptions } from './tracing-run.worker.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Queue, Worker } from 'bullmq';
import { CASE_WITHDRAWAL_QUEUE, createWithdrawalWorker, withdrawalJobOptions, withdrawCase, type CaseWithdrawalJob } from './case-withdrawal.ts';
import { cappedExponential, DEFAULT_RETRY } from './tracing-run.queue.ts';
import { startOutboxRelay } from '../../shared/outbox.ts';

/** Runs QUEUED for longer than this without being picked up are queued again by the sweep. */
const SWEEP_AFTER_MS = 10_000;
const SWEEP_BATCH = 1_000;

export interface RunningTracingJobs extends TracingJobs {
  /** Queues again every run still QUEUED after SWEEP_AFTER_MS (what the periodic sweep does); returns how many. */
  sweep(): Promise<number>;
  /** The withdrawals of rejected cases' work (case-withdrawal.ts). */
  withdrawalQueue: Queue<CaseWithdrawalJob>;
  /** Withdraws a rejected case's work now (what the withdrawal worker does): the provinces asked, or null if the case is not rejected. */
  withdraw(caseId: string): Promise<string[] | null>;
}

/** Options the launcher and tests may add (retry timing, worker tuning, fault injection, no workers). */
export type TracingJobsTuning = Pick<TracingJobsOptions, 'retry' | 'workerOptions' | 'beforeDelivery'> & { workers?: boolean };

/**
 * The tracing subgraph's background duties: the tracing runs and the retried task deliveries
 * (tracing-run.worker.ts), and a sweep that queues again any run left QUEUED without a job, so a
 * case confirmed while the queue was unreachable is still traced (`confirmCase` commits the case
 * first, then queues its run; job id = case id, so a run queued twice runs once).
 */
export function createTracingJobsModule(tuning: TracingJobsTuning = {}): JobsModule<typeof tables, RunningTracingJobs> {
  return {
    name: 'tracing',
    start: async ({ db, queues, graph, logger, settings }) => {
      const repos = createRepositories(db);
      const jobs = createTracingJobs({
        backend: queues,
        repos,
        graph,
        logger,
        ...(tuning.retry ? { retry: tuning.retry } : {}),
        ...(tuning.workerOptions ? { workerOptions: tuning.workerOptions } : {}),
        ...(tuning.beforeDelivery ? { beforeDelivery: tuning.beforeDelivery } : {}),
      });
      const withdrawalQueue = queues.createQueue<CaseWithdrawalJob>(CASE_WITHDRAWAL_QUEUE, withdrawalJobOptions);
      let withdrawals: Worker | undefined;
      const startWorkers = () => {
        jobs.startWorkers();
        withdrawals ??= createWithdrawalWorker(queues, repos, graph, logger, cappedExponential(tuning.retry ?? DEFAULT_RETRY));
      };
      const stopWithdrawals = async (force?: boolean) => {
        const worker = withdrawals;
        withdrawals = undefined;
        await worker?.close(force);
      };
      if (tuning.workers !== false) startWorkers();
      const sweep = () => sweepQueuedRuns(repos, jobs, logger);
      const timer = setInterval(() => void sweep(), settings.sweepEveryMs);
      timer.unref();
      // Cases and contacts for the analytics subgraph.
      const relay = startOutboxRelay(db, queues, logger, { source: 'tracing' });
      return {
        ...jobs,
        sweep,
        withdrawalQueue,
        withdraw: (caseId) => withdrawCase(repos, graph, logger, caseId),
        startWorkers,
        stopWorkers: async (force) => {
          await Promise.all([jobs.stopWorkers(force), stopWithdrawals(force)]);
        },
        close: async () => {
          clearInterval(timer);
          await relay.close();
          await stopWithdrawals();
          await withdrawalQueue.close();
          await jobs.close();
        },
      };
    },
  };
}

export const tracingJobs = createTracingJobsModule();

async function sweepQueuedRuns(repos: TracingRepositories, jobs: TracingJobs, logger: Logger): Promise<number> {
  try {
    const ids = await repos.runs.queuedBefore(new Date(Date.now() - SWEEP_AFTER_MS), SWEEP_BATCH);
    for (const id of ids) await jobs.enqueueRun(id);
    if (ids.length) logger.info({ runs: ids.length }, 'queued runs without a job queued again');
    return ids.length;
  } catch (error) {
    logger.warn({ err: error }, 'the sweep of queued runs failed; it runs again at the next interval');
    return 0;
  }
}
