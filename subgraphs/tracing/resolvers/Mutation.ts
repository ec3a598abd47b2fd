import { badInput, hubError } from '../../shared/errors.ts';
import { requireUuid } from '../../shared/validate.ts';
import { confirmRefusal } from '../access.ts';
import type { CaseRow } from '../db/models.ts';
import { CaseIdConflictError, UnknownContactRuleError } from '../repositories/index.ts';
import { validateConfirmCase, type ConfirmCaseInput } from '../validation.ts';
import type { TracingContext } from './context.ts';

type ConfirmCaseResult =
  | { __typename: 'CaseConfirmed'; case: CaseRow; created: boolean }
  | { __typename: 'InvalidCase'; message: string; field: string }
  | { __typename: 'UnknownContactRule'; message: string; rule: string }
  | { __typename: 'CasePersonNotFound'; message: string; personId: string };

/**
 * The hook point after a confirmation has committed: runs the `afterConfirm` hook given to
 * server.ts (the tracing worker piece enqueues the BullMQ job there, jobId = case id).
 * Also on a repeat whose run is still QUEUED: if the first call committed but its enqueue was
 * lost (crash, queue down), the client's retry enqueues it, and the job id makes a duplicate a
 * no-op. A failing hook fails the call (INTERNAL_SERVER_ERROR), so the client retries.
 */
export async function onCaseConfirmed(ctx: TracingContext, confirmed: { case: CaseRow; created: boolean }): Promise<void> {
  if (!ctx.afterConfirm) return;
  const run = confirmed.created ? null : await ctx.loaders.run.load(confirmed.case.id);
  if (confirmed.created || run?.status === 'QUEUED') await ctx.afterConfirm(confirmed.case.id);
}

/** The answer of `confirmCase`: the case it shows is a read of the person's case, audited like any other (reader.ts). */
export const CaseConfirmed = {
  case: (result: { case: CaseRow }, _: unknown, ctx: TracingContext) => ctx.reader.answered(result.case),
};

const MAX_REASON_LENGTH = 500;

export const Mutation = {
  /**
   * Marks a case REJECTED, then queues the withdrawal of its work (jobs/case-withdrawal.ts): its
   * contacts' tasks in the provinces become WITHDRAWN and their test schedules are cancelled. A
   * run not yet started tasks nobody. Also on a repeat (the first call's queueing may have been
   * lost; job id from the case id); a failing queue fails the call, so the official retries.
   */
  rejectCase: async (_: unknown, args: { caseId: string; reason: string }, ctx: TracingContext): Promise<CaseRow | null> => {
    const caseId = requireUuid(args.caseId, 'caseId');
    const reason = args.reason.trim();
    if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) throw badInput(`reason must be 1 to ${MAX_REASON_LENGTH} characters`, 'reason');
    const [row] = await ctx.repos.cases.byIds([caseId]);
    if (!row) return null;
    const refusal = confirmRefusal(ctx.identity, row.provinceCode);
    if (refusal) throw hubError('FORBIDDEN', refusal.replace('confirm', 'reject'));
    const rejected = await ctx.repos.cases.reject(caseId, reason, new Date());
    if (rejected && ctx.afterReject) await ctx.afterReject(caseId);
    if (rejected) ctx.reader.prime(rejected);
    return rejected && ctx.reader.answered(rejected);
  },

  confirmCase: async (_: unknown, { input }: { input: ConfirmCaseInput }, ctx: TracingContext): Promise<ConfirmCaseResult> => {
    const checked = validateConfirmCase(input);
    if (!checked.ok) return { __typename: 'InvalidCase', message: checked.message, field: checked.field };
    // Who may confirm where is authorisation, not a typing error: a FORBIDDEN error (the field
    // answers null), like every refusal of the trust rules, before anything is looked up or written.
    const refusal = confirmRefusal(ctx.identity, checked.command.provinceCode);
    if (refusal) throw hubError('FORBIDDEN', refusal);
    const personId = checked.command.personId;
    if (ctx.personExists && !(await ctx.personExists(personId))) {
      return { __typename: 'CasePersonNotFound', message: `No person ${personId} is registered.`, personId };
    }
    let confirmed: { case: CaseRow; created: boolean };
    try {
      confirmed = await ctx.repos.cases.confirm(checked.command);
    } catch (error) {
      if (error instanceof UnknownContactRuleError) return { __typename: 'UnknownContactRule', message: error.message, rule: error.rule };
      if (error instanceof CaseIdConflictError) return { __typename: 'InvalidCase', message: error.message, field: 'id' };
      throw error;
    }
    ctx.reader.prime(confirmed.case);
    // A repeat answers with the case stored the first time; if that names another province than
    // this call (the same id and person, confirmed elsewhere), the caller may not be allowed to read it.
    if (!confirmed.created && confirmed.case.provinceCode !== checked.command.provinceCode) await ctx.reader.admitCase(confirmed.case);
    await onCaseConfirmed(ctx, confirmed);
    return { __typename: 'CaseConfirmed', case: confirmed.case, created: confirmed.created };
  },
};
