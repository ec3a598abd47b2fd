import type { Job, Queue } from 'bullmq';
import type { GraphClient } from '../../shared/graph-client.ts';
import type { JobsModule, RunningJobs } from '../../shared/jobs.ts';
import type { Logger } from '../../shared/logger.ts';
import { logWorkerError, type QueueBackend } from '../../shared/queues.ts';
import { startOutboxRelay } from '../../shared/outbox.ts';
import { automaticCaseId, evidenceFor } from '../confirmation.ts';
import type * as tables from '../db/schema.ts';
import { createRepositories, type TestingRepositories } from '../repositories/index.ts';
import { CONFIRMATION_QUEUE, confirmationJobId, confirmationJobOptions, enqueueConfirmations, type ConfirmationJob } from './confirmation.queue.ts';

const CONFIRM = /* GraphQL */ `
  mutation AutoConfirmCase($input: ConfirmCaseInput!) {
    confirmCase(input: $input) { __typename ... on CaseConfirmed { created case { id } } ... on InvalidCase { message } ... on UnknownContactRule { message } }
  }`;
const RESIDENCE = /* GraphQL */ `query ConfirmationResidence($ids: [ID!]!) { people(ids: $ids) { id residenceProvince { code } } }`;

/** A positive recorded this long ago and not yet judged has lost its job (or waits in a backlog: queueing it again is a no-op). */
const SWEEP_AFTER_MS = 60_000;
const SWEEP_BATCH = 1_000;

export interface RunningTestingJobs extends RunningJobs {
  enqueue(jobs: readonly ConfirmationJob[]): Promise<void>;
  /**
   * What the periodic sweep does: queues again every individual positive recorded before
   * `now` − 60 s whose revision is not judged (its queueing was lost, or its job failed for good);
   * returns how many it looked at.
   */
  sweep(now?: Date): Promise<number>;
  /** Evaluates one positive now (what the worker does); returns the case id confirmed, if any. */
  evaluate(job: ConfirmationJob): Promise<string | null>;
  startWorkers(): void;
}

/**
 * Evaluates a positive result against the confirmation rules (data, in this subgraph's own
 * database) and, when one is met, confirms the case through the graph as the service role, by
 * `confirmCase` (the same path as an official's: the tracing subgraph stores it and queues its
 * run), naming the results as evidence. Never reads another subgraph's database.
 */
export async function evaluatePositive(repos: TestingRepositories, graph: GraphClient, logger: Logger, job: ConfirmationJob): Promise<string | null> {
  const outcome = await judge(repos, graph, logger, job);
  // Judged (a case, or no case to make): the sweep leaves this revision alone. A failure throws
  // before this, so the job retries and, once its attempts are spent, the sweep queues it again.
  if (outcome.resultId && job.revision) await repos.results.markJudged(outcome.resultId, job.revision);
  return outcome.caseId;
}

async function judge(repos: TestingRepositories, graph: GraphClient, logger: Logger, job: ConfirmationJob): Promise<{ resultId: string | null; caseId: string | null }> {
  const sample = await repos.schedules.sample(job.lab, job.sampleId, job.personId);
  const none = { resultId: sample?.id ?? null, caseId: null };
  // Corrected away since it was queued, or a pool's row: no individual positive to judge.
  if (!sample || sample.result !== 'POSITIVE' || sample.poolSize !== null) return none;
  const positives = await repos.schedules.positivesOf(job.personId);
  const trigger = positives.find((p) => p.id === sample.id);
  if (!trigger) return none;
  const met = evidenceFor(await repos.schedules.confirmationRules(), positives, trigger);
  if (!met) return none;
  // The confirming province: where the sample was taken, else where the person lives.
  let province = sample.siteProvinceCode;
  if (!province) {
    const data = await graph.mustQuery<{ people: Array<{ residenceProvince: { code: string } | null } | null> }>(RESIDENCE, { ids: [job.personId] });
    province = data.people[0]?.residenceProvince?.code ?? null;
  }
  if (!province) {
    logger.warn({ result: sample.id, rule: met.rule }, 'a positive met a confirmation rule but has no province (no site, no residence): no case');
    return none;
  }
  const evidence = met.evidence.map((p) => p.id);
  const id = automaticCaseId(job.personId, evidence);
  const confirmedAt = new Date(Math.max(...met.evidence.map((p) => p.resultedAt.getTime())));
  const data = await graph.mustQuery<{ confirmCase: { __typename: string; created?: boolean; case?: { id: string }; message?: string } | null }>(CONFIRM, {
    input: { id, personId: job.personId, province, confirmedAt: confirmedAt.toISOString(), evidence },
  });
  const answer = data.confirmCase;
  if (answer?.__typename === 'CaseConfirmed') {
    logger.info({ case: answer.case?.id, created: answer.created, rule: met.rule, evidence }, 'positive result confirmed a case');
    return { resultId: sample.id, caseId: answer.case?.id ?? null };
  }
  if (answer?.__typename === 'CasePersonNotFound') {
    logger.warn({ result: sample.id }, 'a positive result names no registered person: no case');
    return none;
  }
  throw new Error(`confirmCase refused the automatic case: ${answer?.__typename} ${answer?.message ?? ''}`);
}

/** Options the launcher may give (no workers until the gateway is up). */
export interface TestingJobsTuning {
  workers?: boolean;
}

export function createTestingJobsModule(tuning: TestingJobsTuning = {}): JobsModule<typeof tables, RunningTestingJobs> {
  return {
    name: 'testing',
    start: async ({ db, queues, graph, logger, settings }) => {
      const jobs = await startTestingJobs(createRepositories(db), queues, graph, logger, tuning, settings.sweepEveryMs);
      // Test results for the analytics subgraph.
      const relay = startOutboxRelay(db, queues, logger, { source: 'testing' });
      return { ...jobs, close: async () => { await relay.close(); await jobs.close(); } };
    },
  };
}

/**
 * Queues again the positives the confirmation jobs have not judged: a job with the same id that
 * is waiting or running is left alone (adding it is a no-op), one that failed for good is retried.
 */
async function sweepUnjudged(repos: TestingRepositories, queue: Queue<ConfirmationJob>, logger: Logger, now: Date): Promise<number> {
  const positives = await repos.results.unjudgedPositives(new Date(now.getTime() - SWEEP_AFTER_MS), SWEEP_BATCH);
  let requeued = 0;
  for (const positive of positives) {
    const job = await queue.getJob(confirmationJobId(positive));
    if (!job) {
      await enqueueConfirmations(queue, [positive]);
      requeued++;
    } else if (await job.isFailed()) {
      await job.retry('failed');
      requeued++;
    }
  }
  if (requeued) logger.info({ requeued, unjudged: positives.length }, 'positives without a confirmation job queued again');
  return positives.length;
}

async function startTestingJobs(repos: TestingRepositories, backend: QueueBackend, graph: GraphClient, logger: Logger, tuning: TestingJobsTuning, sweepEveryMs: number): Promise<RunningTestingJobs> {
  const queue = backend.createQueue<ConfirmationJob>(CONFIRMATION_QUEUE, confirmationJobOptions);
  const workers: Array<{ close(): Promise<void> }> = [];
  const evaluate = (job: ConfirmationJob) => evaluatePositive(repos, graph, logger, job);
  const startWorkers = () => {
    const worker = backend.createWorker<ConfirmationJob, string | null>(CONFIRMATION_QUEUE, (job: Job<ConfirmationJob>) => evaluate(job.data), { concurrency: 4 });
    worker.on('failed', (job, error) => logger.warn({ job: job?.id, attempts: job?.attemptsMade, err: error }, 'confirmation job attempt failed'));
    worker.on('error', (error) => logWorkerError(logger, error, CONFIRMATION_QUEUE));
    workers.push(worker);
  };
  if (tuning.workers !== false) startWorkers();
  const sweep = (now = new Date()) => sweepUnjudged(repos, queue, logger, now);
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, 'the sweep of unjudged positives failed; it runs again at the next interval'));
  }, sweepEveryMs);
  timer.unref();
  return {
    enqueue: (jobs) => enqueueConfirmations(queue, jobs),
    evaluate,
    sweep,
    startWorkers,
    close: async () => {
      clearInterval(timer);
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await queue.close();
    },
  };
}

export const testingJobs = createTestingJobsModule();
