import type { DeclarationsDb } from '../db/models.ts';
import { BreakGlassGrantsRepository } from './break-glass-grants.ts';
import { HealthDeclarationsRepository } from './health-declarations.ts';
import { PeopleRepository } from './people.ts';

export { BreakGlassGrantsRepository, HealthDeclarationsRepository, PeopleRepository };
export type { NewPerson, PersonDto, PersonWithDeclarations, RegisterOutcome } from './people.ts';
export type { HealthDeclarationDto, NewHealthDeclaration, SubmitOutcome } from './health-declarations.ts';
export type { BreakGlassGrantDto, NewBreakGlassGrant } from './break-glass-grants.ts';

/** One repository per aggregate, over the declarations database. */
export function createRepositories(db: DeclarationsDb) {
  return {
    people: new PeopleRepository(db),
    declarations: new HealthDeclarationsRepository(db),
    grants: new BreakGlassGrantsRepository(db),
  };
}

export type DeclarationsRepositories = ReturnType<typeof createRepositories>;
