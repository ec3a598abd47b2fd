import { requireAuditLimit } from '../../shared/audit.ts';
import { badInput, hubError } from '../../shared/errors.ts';
import { requireUuid } from '../../shared/validate.ts';
import type { GraphQLResolveInfo } from 'graphql';
import { mayReadMovementAuditTrail } from '../access.ts';
import { isOnlyAuditedRead } from '../audit.ts';
import type { ExposureDto } from '../repositories/index.ts';
import { checkExposureQuery } from '../validation.ts';
import type { CheckinsContext } from './context.ts';

/**
 * Every subject and contact of the returned exposures is read (audit.ts). When nothing else in
 * the operation records reads, the records are written while the answer is built.
 */
const audited = async (rows: Promise<ExposureDto[]>, ctx: CheckinsContext, info: GraphQLResolveInfo): Promise<ExposureDto[]> => {
  const found = await rows;
  ctx.audit.exposuresRead(found);
  if (isOnlyAuditedRead(info)) await ctx.audit.complete();
  return found;
};

/** `exposuresOf`, and `exposureColumnsOf` (the same rows; ExposureColumns makes the columns). */
function exposuresOf(
  _: unknown,
  { personIds, excludeContacts, ...args }: { personIds: string[]; excludeContacts?: string[] | null; from?: Date | null; to?: Date | null; minOverlapMinutes?: number | null },
  ctx: CheckinsContext,
  info: GraphQLResolveInfo,
) {
  if (personIds.length > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people per look-up.`, 'personIds');
  if ((excludeContacts?.length ?? 0) > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people to exclude.`, 'excludeContacts');
  const ids = [...new Set(personIds.map((id) => requireUuid(id, 'personIds')))];
  const excluded = (excludeContacts ?? []).map((id) => requireUuid(id, 'excludeContacts'));
  return audited(ctx.exposures.forPeople(ids, { ...checkExposureQuery(args, ctx.exposures.rule), excludeContacts: excluded }, ctx.access.exposures), ctx, info);
}

/** `firstContactsOf`, and `firstContactColumnsOf`. */
function firstContactsOf(
  _: unknown,
  { people, excludeContacts, to, minOverlapMinutes }: { people: Array<{ personId: string; from: Date }>; excludeContacts?: string[] | null; to?: Date | null; minOverlapMinutes?: number | null },
  ctx: CheckinsContext,
  info: GraphQLResolveInfo,
) {
  if (people.length > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people per look-up.`, 'people');
  if ((excludeContacts?.length ?? 0) > MAX_PEOPLE_PER_LOOKUP) throw badInput(`At most ${MAX_PEOPLE_PER_LOOKUP} people to exclude.`, 'excludeContacts');
  // A person named twice counts from the earlier instant.
  const from = new Map<string, Date>();
  people.forEach(({ personId, from: at }, i) => {
    const id = requireUuid(personId, `people[${i}].personId`);
    if (!from.has(id) || at < from.get(id)!) from.set(id, at);
  });
  const excluded = (excludeContacts ?? []).map((id) => requireUuid(id, 'excludeContacts'));
  const query = { ...checkExposureQuery({ to, minOverlapMinutes }, ctx.exposures.rule), excludeContacts: excluded };
  return audited(ctx.exposures.firstContactsOf([...from].map(([personId, at]) => ({ personId, from: at })), query, ctx.access.exposures), ctx, info);
}

export const Query = {
  venue: (_: unknown, { id }: { id: string }, ctx: CheckinsContext) => ctx.loaders.venue.load(requireUuid(id, 'id')),
  venueByQr: (_: unknown, { qrCode }: { qrCode: string }, ctx: CheckinsContext) => ctx.loaders.venueByQr.load(qrCode),
  exposuresOf,
  firstContactsOf,
  // The same rows; the ExposureColumns resolvers read them as columns.
  exposureColumnsOf: exposuresOf,
  firstContactColumnsOf: firstContactsOf,
  movementAuditTrail: async (_: unknown, args: { personId: string; limit: number }, ctx: CheckinsContext) => {
    const personId = requireUuid(args.personId, 'personId').toLowerCase();
    const limit = requireAuditLimit(args.limit);
    // Only a province official's answer depends on what they may see of the person: one existence
    // probe, not itself audited (nothing of the check-ins is returned).
    const visible = ctx.identity.role === 'province_official' && (await ctx.checkIns.anyVisible(personId, ctx.access.checkIns));
    if (!mayReadMovementAuditTrail(ctx.identity, visible)) {
      throw hubError('FORBIDDEN', "A person's movement audit trail is for national officials and officials who may see one of the person's check-ins, with the scope audit:read.");
    }
    return ctx.auditRecords.ofPerson(personId, limit);
  },
};

const MAX_PEOPLE_PER_LOOKUP = 5_000;
