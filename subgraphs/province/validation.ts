import { badInput } from '../shared/errors.ts';
import { CLOCK_SKEW_MS, requireUuid, truncate, WARD_CODE } from '../shared/validate.ts';
import type { TracingTaskStatus } from './db/models.ts';
import type { AcceptTracingTaskInput } from './repositories/index.ts';

/**
 * Every input check of the province subgraph, as pure functions. A malformed argument (an ID, a
 * ward code, a blank note) is the caller's bug and throws BAD_USER_INPUT; the checks the schema
 * answers with a result type (a due time in the past, an occupancy above capacity) return the
 * message, for the repository to apply once it has read what they depend on (is the task new,
 * the facility's capacity).
 */

/** At most this many contacts per `acceptTracingTasks` call. */
export const MAX_ACCEPT_BATCH = 2_000;

/** Long enough for a phone call's summary; longer text belongs in the case file, not the graph. */
export const MAX_NOTE_LENGTH = 2000;

export function requireWardCode(value: string, argument: string): string {
  if (!WARD_CODE.test(value)) throw badInput(`${argument} must be a five-digit ward code, got "${truncate(value)}"`, argument);
  return value;
}

/** One contact of `acceptTracingTask(s)`: its IDs lower-cased, its ward code checked; `path` names it in errors. */
export function checkAcceptInput(input: AcceptTracingTaskInput, path: string): AcceptTracingTaskInput {
  return {
    contactId: requireUuid(input.contactId, `${path}.contactId`),
    caseId: requireUuid(input.caseId, `${path}.caseId`),
    personId: requireUuid(input.personId, `${path}.personId`),
    degree: input.degree,
    wardCode: requireWardCode(input.wardCode, `${path}.wardCode`),
    dueAt: input.dueAt ?? null,
  };
}

/** Every contact of `acceptTracingTasks`, checked before anything is written: a malformed one refuses the whole call. */
export function checkAcceptBatch(inputs: readonly AcceptTracingTaskInput[]): AcceptTracingTaskInput[] {
  if (inputs.length > MAX_ACCEPT_BATCH) throw badInput(`At most ${MAX_ACCEPT_BATCH} contacts per call.`, 'inputs');
  return inputs.map((input, i) => checkAcceptInput(input, `inputs[${i}]`));
}

/** `updateTracingTask`'s change: a status, a note (trimmed, neither blank nor too long) or both. */
export function checkTaskUpdate(
  status: TracingTaskStatus | null | undefined,
  note: string | null | undefined,
): { status: TracingTaskStatus | null; note: string | null } {
  const text = note == null ? null : note.trim();
  if (status == null && text == null) throw badInput('Give a status, a note or both.', 'status');
  if (text !== null && text.length === 0) throw badInput('note must not be blank.', 'note');
  if (text !== null && text.length > MAX_NOTE_LENGTH) throw badInput(`note must be at most ${MAX_NOTE_LENGTH} characters.`, 'note');
  return { status: status ?? null, note: text };
}

/** `withdrawTracingTasks`' case (a UUID) and reason (trimmed, neither blank nor too long). */
export function checkWithdrawal(caseId: string, reason: string): { caseId: string; reason: string } {
  const text = reason.trim();
  if (text.length === 0 || text.length > MAX_NOTE_LENGTH) throw badInput(`reason must be 1 to ${MAX_NOTE_LENGTH} characters.`, 'reason');
  return { caseId: requireUuid(caseId, 'caseId'), reason: text };
}

/** Why a new task cannot be due at `dueAt` (it is in the past, beyond the clock skew), or null. */
export function dueAtProblem(dueAt: Date, now: Date): string | null {
  if (dueAt.getTime() >= now.getTime() - CLOCK_SKEW_MS) return null;
  return `dueAt ${dueAt.toISOString()} is in the past; omit it for the default of 24 hours from now.`;
}

/** Why a facility of `capacity` beds cannot have `occupied` beds in use, or null. */
export function occupancyProblem(occupied: number, capacity: number): string | null {
  if (Number.isInteger(occupied) && occupied >= 0 && occupied <= capacity) return null;
  return `Occupancy must be between 0 and the facility's capacity of ${capacity} beds; got ${occupied}.`;
}
