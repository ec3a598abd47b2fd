import type { JobsOptions, Queue } from 'bullmq';

/**
 * One job per positive individual result: does it, with the person's other positives, meet a
 * confirmation rule? Queued by `recordTestResults` after its transaction committed. No custom job
 * id: the worker is idempotent (the case id is a hash of person and evidence, and the tracing
 * subgraph opens no second case for a person with an open one), so a repeat changes nothing.
 */
export const CONFIRMATION_QUEUE = 'test-confirmations';
/** Only identifiers: no result or personal data sits in the queue. */
export interface ConfirmationJob {
  personId: string;
  lab: string;
  sampleId: string;
}

export const confirmationJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export async function enqueueConfirmations(queue: Queue<ConfirmationJob>, jobs: readonly ConfirmationJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queue.addBulk(jobs.map((data) => ({ name: 'confirm', data })));
}
