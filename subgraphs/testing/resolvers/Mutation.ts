import { badInput } from '../../shared/errors.ts';
import { requireProvinceCode, requireUuid, truncate } from '../../shared/validate.ts';
import { MAX_RESULTS_BATCH, referenceRejection, validateTestResult, type Rejection, type TestResultInput, type TestSample } from '../validation.ts';
import type { TestingContext } from './context.ts';
import { vietnamDatePlus } from '../confirmation.ts';
import type { ScheduleInput } from '../repositories/index.ts';

const MAX_SCHEDULE_INPUTS = 5_000;
const MAX_SCHEDULE_DAY = 60;

interface ScheduleTestsInput {
  contactId: string;
  caseId: string;
  personId: string;
  degree: string;
  exposedAt: Date;
  days: number[];
  homeProvince?: string | null;
}

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
    let valid: Array<{ index: number; sample: TestSample }> = [];
    results.forEach((input, index) => {
      const checked = validateTestResult(input, uploader, now);
      if (checked.ok) valid.push({ index, sample: checked.sample });
      else rejected.push({ index, sampleId: truncate(input.sampleId), ...checked.rejection });
    });
    // The sites and people the well-formed rows name must exist: asked through the graph, at most one call.
    if (ctx.checkReferences && valid.length > 0) {
      const sites = valid.flatMap(({ sample: s }) => (s.siteId === null ? [] : [{ province: s.siteProvinceCode!, id: s.siteId }]));
      const unknown = await ctx.checkReferences(sites, valid.flatMap(({ sample }) => sample.members));
      valid = valid.filter(({ index, sample }) => {
        const rejection = referenceRejection(sample, unknown, results[index]!.personId.toLowerCase());
        if (rejection) rejected.push({ index, sampleId: truncate(sample.sampleId), ...rejection });
        return !rejection;
      });
    }
    const recorded = await ctx.repos.results.record(valid.map((v) => v.sample));
    const count = { accepted: 0, corrected: 0, duplicates: 0 };
    recorded.forEach(({ outcome }, i) => {
      const { index, sample } = valid[i]!;
      if (outcome === 'accepted') count.accepted++;
      else if (outcome === 'corrected') count.corrected++;
      else if (outcome === 'duplicate') count.duplicates++;
      else rejected.push({ index, sampleId: truncate(sample.sampleId), code: 'SAMPLE_ID_CONFLICT', field: 'sampleId', message: 'This lab already used this sample id for other people or other values.' });
    });
    // Every individual positive is judged against the confirmation rules by the testing jobs,
    // queued after the commit (job id from the result and revision: a duplicate row queues
    // nothing new). A queueing that fails is left to the jobs' sweep (server.ts logs it).
    const positives = valid.flatMap(({ sample }, i) => {
      const { outcome, revision } = recorded[i]!;
      return outcome !== 'conflict' && sample.result === 'POSITIVE' && !sample.pooled ? [{ personId: sample.members[0]!, lab: sample.lab, sampleId: sample.sampleId, revision }] : [];
    });
    if (positives.length && ctx.afterRecord) await ctx.afterRecord(positives);
    return { ...count, rejected: rejected.sort((a, b) => a.index - b.index) };
  },

  cancelTestSchedules: async (_: unknown, { caseId }: { caseId: string }, ctx: TestingContext) => ({
    cancelled: await ctx.repos.schedules.cancelCase(requireUuid(caseId, 'caseId')),
  }),

  scheduleTests: async (_: unknown, { inputs }: { inputs: ScheduleTestsInput[] }, ctx: TestingContext) => {
    if (inputs.length > MAX_SCHEDULE_INPUTS) throw badInput(`At most ${MAX_SCHEDULE_INPUTS} contacts per call; got ${inputs.length}.`, 'inputs');
    const rows: ScheduleInput[] = [];
    for (const input of inputs) {
      const contactId = requireUuid(input.contactId, 'contactId');
      const caseId = requireUuid(input.caseId, 'caseId');
      const personId = requireUuid(input.personId, 'personId');
      const homeProvinceCode = input.homeProvince == null ? null : requireProvinceCode(input.homeProvince);
      for (const day of new Set(input.days)) {
        if (!Number.isInteger(day) || day < 0 || day > MAX_SCHEDULE_DAY) throw badInput(`days must be 0 to ${MAX_SCHEDULE_DAY}, got ${day}`, 'days');
        rows.push({ contactId, caseId, personId, degree: input.degree, dueOn: vietnamDatePlus(input.exposedAt, day), homeProvinceCode });
      }
    }
    return { scheduled: await ctx.repos.schedules.schedule(rows) };
  },
};
