import type { Job } from 'bullmq';
import type { GraphClient } from '../../shared/graph-client.ts';
import type { JobsModule, RunningJobs } from '../../shared/jobs.ts';
import type { Logger } from '../../shared/logger.ts';
import { logWorkerError, type QueueBackend } from '../../shared/queues.ts';
import { startOutboxRelay } from '../../shared/outbox.ts';
import { automaticCaseId, evidenceFor } from '../confirmation.ts';
import type * as tables from '../db/schema.ts';
import { createRepositories, type TestingRepositories } from '../repositories/index.ts';
import { CONFIRMATION_QUEUE, confirmationJobOptions, enqueueConfirmations, type ConfirmationJob } from './confirmation.queue.ts';

const CONFIRM = /* GraphQL */ `
  mutation AutoConfirmCase($input: ConfirmCaseInput!) {
    confirmCase(input: $input) { __typename ... on CaseConfirmed { created case { id } } ... on InvalidCase { message } ... on UnknownContactRule { message } }
  }`;
const RESIDENCE = /* GraphQL */ `query ConfirmationResidence($ids: [ID!]!) { people(ids: $ids) { id residenceProvince { code } } }`;

export interface RunningTestingJobs extends RunningJobs {
  enqueue(jobs: readonly ConfirmationJob[]): Promise<void>;
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
  const sample = await repos.schedules.sample(job.lab, job.sampleId, job.personId);
  // Corrected away since it was queued, or a pool's row: no individual positive to judge.
  if (!sample || sample.result !== 'POSITIVE' || sample.poolSize !== null) return null;
  const positives = await repos.schedules.positivesOf(job.personId);
  const trigger = positives.find((p) => p.id === sample.id);
  if (!trigger) return null;
  const met = evidenceFor(await repos.schedules.confirmationRules(), positives, trigger);
  if (!met) return null;
  // The confirming province: where the sample was taken, else where the person lives.
  let province = sample.siteProvinceCode;
  if (!province) {
    const data = await graph.mustQuery<{ people: Array<{ residenceProvince: { code: string } | null } | null> }>(RESIDENCE, { ids: [job.personId] });
    province = data.people[0]?.residenceProvince?.code ?? null;
  }
  if (!province) {
    logger.warn({ result: sample.id, rule: met.rule }, 'a positive met a confirmation rule but has no province (no site, no residence): no case');
    return null;
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
    return answer.case?.id ?? null;
  }
  if (answer?.__typename === 'CasePersonNotFound') {
    logger.warn({ result: sample.id }, 'a positive result names no registered person: no case');
    return null;
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
    start: async ({ db, queues, graph, logger }) => {
      const jobs = await startTestingJobs(createRepositories(db), queues, graph, logger, tuning);
      // Test results for the analytics subgraph.
      const relay = startOutboxRelay(db, queues, logger, { source: 'testing' });
      return { ...jobs, close: async () => { await relay.close(); await jobs.close(); } };
    },
  };
}

async function startTestingJobs(repos: TestingRepositories, backend: QueueBackend, graph: GraphClient, logger: Logger, tuning: TestingJobsTuning): Promise<RunningTestingJobs> {
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
  return {
    enqueue: (jobs) => enqueueConfirmations(queue, jobs),
    evaluate,
    startWorkers,
    close: async () => {
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await queue.close();
    },
  };
}

export const testingJobs = createTestingJobsModule();
