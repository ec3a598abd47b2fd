import { requireAuditLimit } from '../../shared/audit.ts';
import { hubError } from '../../shared/errors.ts';
import { requireUuid } from '../../shared/validate.ts';
import { mayReadTestAuditTrail, scopeOf } from '../access.ts';
import type { TestingContext } from './context.ts';

export const Query = {
  testResult: (_: unknown, { id }: { id: string }, ctx: TestingContext) => ctx.reader.result(requireUuid(id, 'id')),

  testResultAuditTrail: async (_: unknown, args: { personId: string; limit: number }, ctx: TestingContext) => {
    const personId = requireUuid(args.personId, 'personId');
    const limit = requireAuditLimit(args.limit);
    // Only a province official's answer depends on what they may see of the person (not itself audited: nothing of it is returned).
    const scope = scopeOf(ctx.identity);
    const visible =
      ctx.identity.role === 'province_official' &&
      (scope.kind === 'ALL' || (scope.kind === 'PROVINCES' && (await ctx.repos.sites.personSeenIn(personId, scope.provinces))));
    if (!mayReadTestAuditTrail(ctx.identity, visible)) {
      throw hubError('FORBIDDEN', "A person's audit trail of test reads is for national officials and officials who may see one of the person's results or scheduled tests, with the scope audit:read.");
    }
    return ctx.auditRecords.ofPerson(personId, limit);
  },
};
