import { requireUuid } from '../../shared/validate.ts';
import { checkDeclaration, checkPerson, type RegisterPersonInput, type SubmitDeclarationInput } from '../validation.ts';
import type { DeclarationsContext } from './context.ts';

// Union members carry `__typename`, which graphql-js's default type resolver reads.

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
  ctx.loaders.person.prime(outcome.person.id, outcome.person);
  switch (outcome.status) {
    case 'registered':
    case 'retried':
      return { __typename: 'PersonRegistered', person: outcome.person };
    case 'national-id-taken':
      return {
        __typename: 'PersonAlreadyRegistered',
        message: 'A person is already registered with this national ID number; nothing new was registered.',
        person: outcome.person,
      };
  }
}

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

export const Mutation = { registerPerson, submitDeclaration };
