import type { JobsOptions, Queue, Worker } from 'bullmq';
import type { GraphClient } from '../../shared/graph-client.ts';
import type { Logger } from '../../shared/logger.ts';
import { logWorkerError, type QueueBackend } from '../../shared/queues.ts';
import type { TracingRepositories } from '../repositories/index.ts';

/**
 * The withdrawal of a rejected case's work: its contacts' tracing tasks in every province they
 * were sent to become WITHDRAWN, and their test schedules are cancelled, through the graph (the
 * province shards' `withdrawTracingTasks`, the testing subgraph's `cancelTestSchedules`). Queued
 * by `rejectCase` after it committed; job id from the case id, so rejecting twice queues once.
 */
export const CASE_WITHDRAWAL_QUEUE = 'case-withdrawals';
export interface CaseWithdrawalJob {
  caseId: string;
}
// BullMQ refuses ":" in custom job ids.
export const caseWithdrawalJobId = (caseId: string) => `${caseId}-withdraw`;
/** A province may be down for hours: keep trying (capped at a minute apart) for about a day, like a delivery. */
export const withdrawalJobOptions: JobsOptions = {
  attempts: 1_500,
  backoff: { type: 'capped-exponential' },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export async function enqueueCaseWithdrawal(queue: Queue<CaseWithdrawalJob>, caseId: string): Promise<void> {
  await queue.add('withdraw', { caseId }, { jobId: caseWithdrawalJobId(caseId) });
}

/**
 * Withdraws one rejected case's work. While its run is RUNNING it waits (throws, to be retried):
 * the run may still be sending tasks, and the provinces it sends to are known once it ended. A
 * run that starts after the rejection tasks nobody (tracing-run.worker.ts), and the shards and the
 * testing subgraph remember the withdrawn case, so a delivery already on its way is withdrawn on
 * arrival. Returns the provinces asked, or null when the case is not rejected.
 */
export async function withdrawCase(repos: TracingRepositories, graph: GraphClient, logger: Logger, caseId: string): Promise<string[] | null> {
  const [found] = await repos.cases.byIds([caseId]);
  if (!found || found.status !== 'REJECTED') return null;
  const [run] = await repos.runs.byIds([caseId]);
  if (run?.status === 'RUNNING') throw new Error(`the run of case ${caseId} is in progress; its work is withdrawn once it has ended`);
  const homes = await repos.contacts.homeProvincesByCaseIds([caseId]);
  const provinces = [...new Set([...homes.map((h) => h.provinceCode), ...(run?.provincesNotified ?? []), ...(run?.provincesPending ?? [])])].sort();
  const definitions = ['$caseId: ID!', '$reason: String!', ...provinces.map((_, i) => `$p${i}: ID!`)];
  const fields = ['schedules: cancelTestSchedules(caseId: $caseId) { cancelled }', ...provinces.map((_, i) => `w${i}: withdrawTracingTasks(province: $p${i}, caseId: $caseId, reason: $reason) { withdrawn }`)];
  const variables: Record<string, unknown> = { caseId, reason: found.rejectedReason ?? 'rejected' };
  provinces.forEach((code, i) => (variables[`p${i}`] = code));
  const result = await graph.query<Record<string, { cancelled?: number; withdrawn?: number } | null>>(`mutation WithdrawCase(${definitions.join(', ')}) { ${fields.join(' ')} }`, variables);
  const missing = ['schedules', ...provinces.map((_, i) => `w${i}`)].filter((alias) => !result.data?.[alias]);
  if (missing.length > 0) {
    const named = missing.map((alias) => (alias === 'schedules' ? 'testing' : `province ${provinces[Number(alias.slice(1))]}`));
    throw new Error(`withdrawal of case ${caseId} not done in ${named.join(', ')}: ${result.errors[0]?.message ?? 'no answer'}`);
  }
  const withdrawn = provinces.reduce((n, _, i) => n + (result.data![`w${i}`]!.withdrawn ?? 0), 0);
  logger.info({ caseId, provinces, withdrawn, cancelled: result.data!.schedules!.cancelled }, 'rejected case: its tracing tasks withdrawn and test schedules cancelled');
  return provinces;
}

export function createWithdrawalWorker(
  backend: QueueBackend,
  repos: TracingRepositories,
  graph: GraphClient,
  logger: Logger,
  backoffStrategy: (attemptsMade: number) => number,
): Worker<CaseWithdrawalJob, string[] | null> {
  const worker = backend.createWorker<CaseWithdrawalJob, string[] | null>(CASE_WITHDRAWAL_QUEUE, (job) => withdrawCase(repos, graph, logger, job.data.caseId), {
    concurrency: 2,
    settings: { backoffStrategy },
  });
  worker.on('failed', (job, error) => logger.warn({ caseId: job?.data.caseId, attempts: job?.attemptsMade, err: error }, 'case withdrawal attempt failed; will retry'));
  worker.on('error', (error) => logWorkerError(logger, error, CASE_WITHDRAWAL_QUEUE));
  return worker;
}
