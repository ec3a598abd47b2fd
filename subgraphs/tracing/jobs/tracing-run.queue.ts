import type { JobsOptions, Queue } from 'bullmq';

/** One tracing run per confirmed case: job id = case id, so confirming twice queues one run. */
export const TRACING_RUN_QUEUE = 'tracing-runs';
export interface TracingRunJob {
  caseId: string;
}
export const tracingRunJobId = (caseId: string) => caseId;
/** Queues the run of a confirmed case; a repeat is a no-op (job id = case id). */
export async function enqueueTracingRun(queue: Queue<TracingRunJob>, caseId: string): Promise<void> {
  await queue.add('trace', { caseId }, { jobId: tracingRunJobId(caseId) });
}

/** Tasks for one province whose shard did not answer during the run: retried until it is back. */
export const TASK_DELIVERY_QUEUE = 'tracing-task-deliveries';
export interface TaskDeliveryJob {
  caseId: string;
  province: string;
  /** Only identifiers and codes: no personal data sits in the queue. */
  inputs: Array<{ contactId: string; caseId: string; personId: string; degree: 'F1' | 'F2'; wardCode: string }>;
}
// BullMQ refuses ":" in custom job ids.
export const taskDeliveryJobId = (caseId: string, province: string) => `${caseId}-p${province}`;

export interface RetryPolicy {
  /** First retry delay; doubles each attempt, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

const keep = { removeOnComplete: { age: 24 * 3600, count: 10_000 }, removeOnFail: { age: 7 * 24 * 3600 } } as const;

export const runJobOptions: JobsOptions = { attempts: 8, backoff: { type: 'capped-exponential' }, ...keep };
/** A province may be down for hours: keep trying (capped at a minute apart) for about a day. */
export const deliveryJobOptions: JobsOptions = { attempts: 1_500, backoff: { type: 'capped-exponential' }, ...keep };

/** The worker's backoff strategy for `type: 'capped-exponential'`. */
export function cappedExponential(policy: RetryPolicy): (attemptsMade: number) => number {
  return (attemptsMade) => Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
}
