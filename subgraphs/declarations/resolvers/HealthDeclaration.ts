import type { HealthDeclarationDto } from '../repository.ts';
import type { DeclarationsContext } from './context.ts';

export const HealthDeclaration = {
  person: (d: HealthDeclarationDto, _: unknown, ctx: DeclarationsContext) => ctx.loaders.person.load(d.personId),
};
