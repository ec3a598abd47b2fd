import { createHash } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';

/**
 * One job per positive individual result (and revision of it): does it, with the person's other
 * positives, meet a confirmation rule? Queued by `recordTestResults` after its transaction
 * committed, and again by the jobs' sweep for a positive never judged (its queueing was lost).
 * The job id is derived from the result and its revision, so queueing it twice is a no-op; the
 * worker is idempotent anyway (the case id is a hash of person and evidence).
 */
export const CONFIRMATION_QUEUE = 'test-confirmations';
/** Only identifiers: no result or personal data sits in the queue. */
export interface ConfirmationJob {
  personId: string;
  lab: string;
  sampleId: string;
  /** The result's revision when it was queued (1, then +1 per correction). */
  revision: number;
}

export const confirmationJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** `c-<hash of lab, sample id and person>-r<revision>` (BullMQ ids may not contain `:`; the sample id is the lab's text). */
export function confirmationJobId(job: ConfirmationJob): string {
  const hash = createHash('sha256').update(`${job.lab}\u0000${job.sampleId}\u0000${job.personId.toLowerCase()}`).digest('hex').slice(0, 32);
  return `c-${hash}-r${job.revision}`;
}

export async function enqueueConfirmations(queue: Queue<ConfirmationJob>, jobs: readonly ConfirmationJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queue.addBulk(jobs.map((data) => ({ name: 'confirm', data, opts: { jobId: confirmationJobId(data) } })));
}
