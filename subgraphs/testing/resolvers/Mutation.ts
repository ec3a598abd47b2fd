import { badInput } from '../../shared/errors.ts';
import { truncate } from '../../shared/validate.ts';
import { MAX_RESULTS_BATCH, validateTestResult, type Rejection, type TestResultInput, type TestSample } from '../validation.ts';
import type { TestingContext } from './context.ts';

interface RejectedRow extends Rejection {
  index: number;
  sampleId: string;
}

export const Mutation = {
  recordTestResults: async (_: unknown, { results }: { results: TestResultInput[] }, ctx: TestingContext) => {
    if (results.length > MAX_RESULTS_BATCH) {
      throw badInput(`An upload may hold at most ${MAX_RESULTS_BATCH} results; this one has ${results.length}. Nothing was stored.`, 'results');
    }
    const uploader = { subject: ctx.identity.subject, isPartner: ctx.identity.role === 'partner' };
    const now = new Date();
    const rejected: RejectedRow[] = [];
    const valid: Array<{ index: number; sample: TestSample }> = [];
    results.forEach((input, index) => {
      const checked = validateTestResult(input, uploader, now);
      if (checked.ok) valid.push({ index, sample: checked.sample });
      else rejected.push({ index, sampleId: truncate(input.sampleId), ...checked.rejection });
    });
    const outcomes = await ctx.repos.results.record(valid.map((v) => v.sample));
    const count = { accepted: 0, corrected: 0, duplicates: 0 };
    outcomes.forEach((outcome, i) => {
      const { index, sample } = valid[i]!;
      if (outcome === 'accepted') count.accepted++;
      else if (outcome === 'corrected') count.corrected++;
      else if (outcome === 'duplicate') count.duplicates++;
      else rejected.push({ index, sampleId: truncate(sample.sampleId), code: 'SAMPLE_ID_CONFLICT', field: 'sampleId', message: 'This lab already used this sample id for other people or other values.' });
    });
    return { ...count, rejected: rejected.sort((a, b) => a.index - b.index) };
  },
};
