import { badInput, hubError } from '../../shared/errors.ts';
import { requireAuditLimit } from '../../shared/audit.ts';
import { requireProvinceCode, requireUuid } from '../../shared/validate.ts';
import { mayReadHealthAuditTrail } from '../access.ts';
import type { TracingContext } from './context.ts';

export const MAX_CASES_LIMIT = 1000;

interface CasesArgs {
  province?: string | null;
  from?: Date | null;
  to?: Date | null;
  limit: number;
}

export const Query = {
  case: (_: unknown, { id }: { id: string }, ctx: TracingContext) => ctx.reader.case(requireUuid(id, 'id')),
  cases: (_: unknown, args: CasesArgs, ctx: TracingContext) => {
    if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > MAX_CASES_LIMIT) {
      throw badInput(`limit must be between 1 and ${MAX_CASES_LIMIT}, got ${args.limit}`, 'limit');
    }
    if (args.from && args.to && args.from.getTime() > args.to.getTime()) throw badInput('from must not be after to', 'from');
    return ctx.reader.cases({
      provinceCode: args.province == null ? undefined : requireProvinceCode(args.province),
      from: args.from ?? undefined,
      to: args.to ?? undefined,
      limit: args.limit,
    });
  },
  contact: (_: unknown, { id }: { id: string }, ctx: TracingContext) => ctx.reader.contact(requireUuid(id, 'id')),
  transmissionChain: async (_: unknown, { caseId }: { caseId: string }, ctx: TracingContext) => {
    const chain = await ctx.reader.chain(requireUuid(caseId, 'caseId'));
    if (!chain) return null;
    // A chain's reads (one record per visible case) go out while its answer is built; a field
    // below that records more (a case's contacts) is written after, in a second statement.
    await ctx.audit.complete();
    const byId = new Map(chain.nodes.map((n) => [n.case.id, n.case]));
    return {
      cases: chain.nodes.map((n) => n.case),
      links: chain.nodes.filter((n) => n.parentId).map((n) => ({ from: byId.get(n.parentId!)!, to: n.case, degree: n.degree })),
      generations: chain.nodes.map((n) => ({ caseId: n.case.id, generation: n.generation })),
    };
  },
  contactRules: (_: unknown, __: unknown, ctx: TracingContext) => ctx.repos.rules.all(),

  healthAuditTrail: async (_: unknown, args: { personId: string; limit: number }, ctx: TracingContext) => {
    const personId = requireUuid(args.personId, 'personId').toLowerCase();
    const limit = requireAuditLimit(args.limit);
    // Only a province official's answer depends on what they may see of the person (not itself audited: nothing of it is returned).
    const visible = ctx.identity.role === 'province_official' && (await ctx.loaders.contactStatus.load(personId)) !== 'NONE';
    if (!mayReadHealthAuditTrail(ctx.identity, visible)) {
      throw hubError('FORBIDDEN', "A person's health audit trail is for national officials and officials who may see one of the person's cases or contacts, with the scope audit:read.");
    }
    return ctx.auditRecords.ofPerson(personId, limit);
  },
};
