import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { HealthDeclarationsRepository, PeopleRepository } from './repositories/index.ts';

/** Made per request (never shared between callers), so batching never mixes requests. */
export function createLoaders(people: PeopleRepository, declarations: HealthDeclarationsRepository) {
  return {
    person: oneByKey((ids: readonly string[]) => people.byIds(ids), (p) => p.id),
    declarationsOfPerson: manyByKey((ids: readonly string[]) => declarations.byPersonIds(ids), (d) => d.personId),
  };
}

export type DeclarationsLoaders = ReturnType<typeof createLoaders>;
