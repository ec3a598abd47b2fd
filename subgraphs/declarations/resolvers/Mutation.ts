import type { GraphQLResolveInfo } from 'graphql';
import { requireUuid } from '../../shared/validate.ts';
import { breakGlassRefusal, BREAK_GLASS_REASON_MAX, BREAK_GLASS_REASON_MIN, type BreakGlassRefusal } from '../access.ts';
import type { PersonDto } from '../repositories/index.ts';
import { checkDeclaration, checkPerson, type RegisterPersonInput, type SubmitDeclarationInput } from '../validation.ts';
import type { DeclarationsContext } from './context.ts';

// Union members carry `__typename`, which graphql-js's default type resolver reads.
// A person in an answer is carried as its row (`personRow`) and read back through the reader by
// the `person` field below, so the answer of a mutation is masked and audited like any read.

async function registerPerson(_: unknown, { input }: { input: RegisterPersonInput }, ctx: DeclarationsContext) {
  const id = input.id == null ? null : requireUuid(input.id, 'input.id');
  const checked = checkPerson(input, ctx.now());
  if (!checked.ok) return { __typename: 'InvalidPersonInput', message: checked.message, field: checked.field };

  const { nationalId, ...person } = checked.value;
  const outcome = await ctx.people.register({
    ...person,
    id,
    nationalIdHash: nationalId ? ctx.hashNationalId(nationalId) : null,
  });
  switch (outcome.status) {
    case 'registered':
    case 'retried':
      return { __typename: 'PersonRegistered', personRow: outcome.person };
    case 'national-id-taken':
      return {
        __typename: 'PersonAlreadyRegistered',
        message: 'A person is already registered with this national ID number; nothing new was registered.',
        personRow: outcome.person,
      };
  }
}

const REFUSALS: Record<BreakGlassRefusal, string> = {
  ROLE_NOT_ALLOWED: 'Only province officials open records this way; nothing was opened.',
  WITHIN_JURISDICTION: 'This person lives in your jurisdiction: you can read the record without opening it.',
  PERSON_NOT_FOUND: 'No person is registered with this ID; nothing was opened.',
  INVALID_REASON: `State the reason in ${BREAK_GLASS_REASON_MIN} to ${BREAK_GLASS_REASON_MAX} characters; nothing was opened.`,
};

async function openPersonRecord(_: unknown, args: { personId: string; reason: string }, ctx: DeclarationsContext) {
  const personId = requireUuid(args.personId, 'personId');
  const { identity } = ctx;
  // Only a province official's request gets as far as looking the person up.
  const row = identity.role === 'province_official' ? await ctx.loaders.person.load(personId) : null;
  const refusal = breakGlassRefusal(identity, row, args.reason);
  if (refusal || !row) return { __typename: 'BreakGlassRefused', code: refusal ?? 'PERSON_NOT_FOUND', message: REFUSALS[refusal ?? 'PERSON_NOT_FOUND'] };

  const openedAt = ctx.now();
  const grant = await ctx.grants.open({
    officialSubject: identity.subject,
    officialProvinces: identity.jurisdiction === 'all' ? [] : [...identity.jurisdiction],
    personId,
    owningProvinceCode: row.residenceProvinceCode,
    reason: args.reason.trim(),
    openedAt,
    expiresAt: new Date(openedAt.getTime() + ctx.breakGlassTtlMs),
  });
  const active = { id: grant.id, reason: grant.reason };
  ctx.reader.grantOpened(personId, active);
  // The opening itself is audited with its reason, even when the answer reads nothing of the person.
  ctx.audit.record(personId, 'ALLOWED', [], [], active);
  return { __typename: 'PersonRecordOpened', grant };
}

interface WithPersonRow {
  personRow: PersonDto;
}
const personOfAnswer = {
  person: (r: WithPersonRow, _: unknown, ctx: DeclarationsContext, info: GraphQLResolveInfo) => ctx.reader.fromRow(r.personRow, info),
};
export const PersonRegistered = personOfAnswer;
export const PersonAlreadyRegistered = personOfAnswer;

async function submitDeclaration(_: unknown, { input }: { input: SubmitDeclarationInput }, ctx: DeclarationsContext) {
  const id = input.id == null ? null : requireUuid(input.id, 'input.id');
  const personId = requireUuid(input.personId, 'input.personId');
  const checked = checkDeclaration(input, ctx.now());
  if (!checked.ok) return { __typename: 'InvalidDeclaration', message: checked.message, field: checked.field };

  const outcome = await ctx.declarations.submit({ ...checked.value, id, personId });
  switch (outcome.status) {
    case 'submitted':
    case 'retried':
      // A list loaded earlier in this operation would now be missing the declaration.
      ctx.loaders.declarationsOfPerson.clear(personId);
      return { __typename: 'DeclarationSubmitted', declaration: outcome.declaration };
    case 'person-not-found':
      return {
        __typename: 'DeclarationPersonNotFound',
        message: 'No person is registered with this ID; nothing was recorded. Register the person first.',
        personId,
      };
    case 'id-taken':
      return {
        __typename: 'InvalidDeclaration',
        message: "This declaration ID was already used for another person's declaration; send a new ID.",
        field: 'id',
      };
  }
}

export const Mutation = { registerPerson, submitDeclaration, openPersonRecord };
