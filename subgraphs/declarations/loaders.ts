import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { HealthDeclarationsRepository, PeopleRepository, PersonDto } from './repositories/index.ts';

/** Made per request (never shared between callers), so batching never mixes requests. */
export function createLoaders(people: PeopleRepository, declarations: HealthDeclarationsRepository) {
  const person = oneByKey((ids: readonly string[]) => people.byIds(ids), (p: PersonDto) => p.id);
  const declarationsOfPerson = manyByKey((ids: readonly string[]) => declarations.byPersonIds(ids), (d) => d.personId);
  return {
    person,
    declarationsOfPerson,
    /**
     * A person with their declarations in one statement (a person card): each row also fills the
     * two loaders above, so the `declarations` field and later reads of the person find them.
     */
    personWithDeclarations: oneByKey(async (ids: readonly string[]) => {
      const rows = await people.byIdsWithDeclarations(ids);
      return rows.map(({ declarations: list, ...row }) => {
        declarationsOfPerson.prime(row.id, list);
        person.prime(row.id, row);
        return row;
      });
    }, (p: PersonDto) => p.id),
  };
}

export type DeclarationsLoaders = ReturnType<typeof createLoaders>;
