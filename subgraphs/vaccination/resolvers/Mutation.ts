import { badInput, hubError } from '../../shared/errors.ts';
import { requireUuid, truncate } from '../../shared/validate.ts';
import { adverseEventRefusal } from '../access.ts';
import { adverseEventProblem, MAX_DOSES_BATCH, validateDose, type AdverseEventInput, type CheckedDose, type DoseInput, type DoseRecord, type Rejection } from '../validation.ts';
import type { VaccinationContext } from './context.ts';

interface RejectedRow extends Rejection {
  index: number;
  recordId: string;
}

export const Mutation = {
  recordVaccinations: async (_: unknown, { doses }: { doses: DoseInput[] }, ctx: VaccinationContext) => {
    if (doses.length > MAX_DOSES_BATCH) {
      throw badInput(`An upload may hold at most ${MAX_DOSES_BATCH} doses; this one has ${doses.length}. Nothing was stored.`, 'doses');
    }
    // The source of a record is always the uploader's account (a site's partner subject): its record ids are its own.
    const source = ctx.identity.subject;
    const now = new Date();
    const products = new Set((await ctx.repos.products.all()).map((p) => p.code));
    const rejected: RejectedRow[] = [];
    const checked: Array<{ index: number; dose: CheckedDose }> = [];
    doses.forEach((input, index) => {
      const result = validateDose(input, source, products, now);
      if (result.ok) checked.push({ index, dose: result.dose });
      else rejected.push({ index, recordId: truncate(input.recordId), ...result.rejection });
    });
    // One look-up in the units subgraph for the codes this process has not seen yet.
    const places = await ctx.wards.resolve({
      wards: checked.flatMap(({ dose }) => (dose.wardCode ? [dose.wardCode] : [])),
      legacy: checked.flatMap(({ dose }) => (dose.legacyWardCode ? [dose.legacyWardCode] : [])),
    });
    const valid: Array<{ index: number; record: DoseRecord }> = [];
    for (const { index, dose } of checked) {
      const field = dose.legacyWardCode ? 'legacyWardCode' : 'wardCode';
      const code = (dose.legacyWardCode ?? dose.wardCode)!;
      const place = dose.legacyWardCode ? places.legacyWard(dose.legacyWardCode) : places.ward(dose.wardCode!);
      const recordId = truncate(dose.recordId);
      if (place.kind === 'UNKNOWN') {
        rejected.push({ index, recordId, code: 'UNKNOWN_WARD', field, message: `No ${dose.legacyWardCode ? 'pre-2025' : 'current'} ward has code ${code}.` });
      } else if (place.kind === 'AMBIGUOUS') {
        rejected.push({
          index, recordId, code: 'AMBIGUOUS_LEGACY_WARD', field, candidates: place.candidates,
          message: `Pre-2025 ward ${code} was split into ${place.candidates.join(', ')}; send the person's current ward as wardCode.`,
        });
      } else {
        valid.push({ index, record: { ...dose, wardCode: place.ward.code, provinceCode: place.ward.provinceCode } });
      }
    }
    const outcomes = await ctx.repos.doses.record(valid.map((v) => v.record));
    const count = { accepted: 0, duplicates: 0 };
    outcomes.forEach((outcome, i) => {
      const { index, record } = valid[i]!;
      if (outcome === 'accepted') count.accepted++;
      else if (outcome === 'duplicate') count.duplicates++;
      else rejected.push({ index, recordId: truncate(record.recordId), code: 'RECORD_ID_CONFLICT', field: 'recordId', message: 'This site already used this record id for other values.' });
    });
    return { ...count, rejected: rejected.sort((a, b) => a.index - b.index) };
  },

  reportAdverseEvent: async (_: unknown, { input }: { input: AdverseEventInput }, ctx: VaccinationContext) => {
    const doseId = requireUuid(input.doseId, 'doseId');
    const dose = await ctx.loaders.doseRow.load(doseId);
    if (!dose) throw badInput(`No dose has id ${doseId}.`, 'doseId');
    const refusal = adverseEventRefusal(ctx.identity, dose);
    if (refusal) throw hubError('FORBIDDEN', refusal);
    const problem = adverseEventProblem(input, dose.administeredAt);
    if (problem) throw badInput(problem.message, problem.field);
    return ctx.repos.doses.reportAdverseEvent({ doseId, occurredAt: input.occurredAt, severity: input.severity, description: input.description.trim(), reportedBy: ctx.identity.subject });
  },
};
