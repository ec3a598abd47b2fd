import type { GraphQLResolveInfo } from 'graphql';
import { badInput, hubError } from '../../shared/errors.ts';
import { requireProvinceCode, requireUuid } from '../../shared/validate.ts';
import { mayListGrants, mayReadAuditTrail } from '../access.ts';
import { normaliseNationalId, normalisePhone } from '../identifiers.ts';
import type { DeclarationsContext } from './context.ts';

function requireLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badInput('limit must be from 1 to 1000.', 'limit');
  return limit;
}

export const Query = {
  person: (_: unknown, { id }: { id: string }, ctx: DeclarationsContext, info: GraphQLResolveInfo) => ctx.reader.byId(requireUuid(id, 'id'), info),

  people: (_: unknown, { ids }: { ids: string[] }, ctx: DeclarationsContext, info: GraphQLResolveInfo) => {
    if (ids.length > 5_000) throw badInput('At most 5000 ids per look-up.', 'ids');
    return ctx.reader.byIds(
      ids.map((id) => requireUuid(id, 'ids')),
      info,
    );
  },

  knownPersonIds: (_: unknown, { ids }: { ids: string[] }, ctx: DeclarationsContext) => {
    if (ids.length > 5_000) throw badInput('At most 5000 ids per look-up.', 'ids');
    return ctx.reader.knownIds(ids.map((id) => requireUuid(id, 'ids')));
  },

  findPerson: async (
    _: unknown,
    { phone, nationalId }: { phone?: string | null; nationalId?: string | null },
    ctx: DeclarationsContext,
    info: GraphQLResolveInfo,
  ) => {
    if ((phone == null) === (nationalId == null)) throw badInput('Give exactly one of phone or nationalId.');
    if (phone != null) {
      const normalised = normalisePhone(phone);
      if (!normalised) throw badInput('phone must have 10 digits starting with 0 (or +84).', 'phone');
      return ctx.reader.byPhone(normalised, info);
    }
    const normalised = normaliseNationalId(nationalId ?? '');
    // The number itself is never echoed back in the message (it is personal data).
    if (!normalised) throw badInput('nationalId must be a 12-digit citizen ID or a 9-digit old identity card number.', 'nationalId');
    return ctx.reader.byNationalIdHash(ctx.hashNationalId(normalised), info);
  },

  auditTrail: async (_: unknown, args: { personId: string; limit: number }, ctx: DeclarationsContext) => {
    const personId = requireUuid(args.personId, 'personId');
    const limit = requireLimit(args.limit);
    // Only a province official's answer depends on where the person lives.
    const province = ctx.identity.role === 'province_official' ? ((await ctx.loaders.person.load(personId))?.residenceProvinceCode ?? null) : null;
    if (!mayReadAuditTrail(ctx.identity, province)) {
      throw hubError('FORBIDDEN', "A person's audit trail is for national officials and officials of the person's province, with the scope audit:read.");
    }
    return ctx.auditRecords.ofPerson(personId, limit);
  },

  breakGlassGrants: (_: unknown, args: { province: string; activeOnly?: boolean | null; limit: number }, ctx: DeclarationsContext) => {
    const province = requireProvinceCode(args.province);
    const limit = requireLimit(args.limit);
    if (!mayListGrants(ctx.identity, province)) throw hubError('FORBIDDEN', "A province's break-the-glass grants are for its own officials and national officials.");
    return ctx.grants.ofProvince(province, { activeAt: args.activeOnly ? ctx.now() : null, limit });
  },
};
