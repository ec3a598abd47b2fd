import { badInput } from '../../shared/errors.ts';
import { requireProvinceCode, requireUuid } from '../../shared/validate.ts';
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
    return ctx.repos.cases.list({
      provinceCode: args.province == null ? undefined : requireProvinceCode(args.province),
      from: args.from ?? undefined,
      to: args.to ?? undefined,
      limit: args.limit,
    }, ctx.access.cases);
  },
  contact: (_: unknown, { id }: { id: string }, ctx: TracingContext) => ctx.reader.contact(requireUuid(id, 'id')),
  contactRules: (_: unknown, __: unknown, ctx: TracingContext) => ctx.repos.rules.all(),
};
