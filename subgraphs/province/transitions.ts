import type { TracingTaskStatus } from './db/models.ts';

/**
 * The tracing workflow, kept strict on purpose: a task only moves along these edges. NEW → CLOSED
 * is the one shortcut, for a contact who cannot be reached and whose task an official closes.
 * WITHDRAWN is reached from any status but CLOSED only by `withdrawTracingTasks` (the case was
 * rejected), never by `updateTracingTask`, and is final.
 */
export const TRACING_TASK_TRANSITIONS: Readonly<Record<TracingTaskStatus, readonly TracingTaskStatus[]>> = {
  NEW: ['CONTACTED', 'CLOSED'],
  CONTACTED: ['ISOLATED', 'TESTED'],
  ISOLATED: ['TESTED', 'CLOSED'],
  TESTED: ['ISOLATED', 'CLOSED'],
  CLOSED: [],
  WITHDRAWN: [],
};

export function canTransition(from: TracingTaskStatus, to: TracingTaskStatus): boolean {
  return TRACING_TASK_TRANSITIONS[from].includes(to);
}

/** Statuses that still need a tracer's work; used to balance new tasks between tracers. */
export const OPEN_STATUSES: readonly TracingTaskStatus[] = ['NEW', 'CONTACTED', 'ISOLATED', 'TESTED'];
