import DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { DoseScope } from './access.ts';
import type { VaccineProductRow } from './db/models.ts';
import type { VaccinationRepositories } from './repositories/index.ts';

/**
 * Made per request, with the caller's scope: the list loader puts it into its one SQL statement.
 * `doseRow` and `statusRow` are not filtered: a single read must tell "not visible" (FORBIDDEN)
 * from "none", so resolvers read through the reader (reader.ts), which decides each row.
 */
export function createLoaders(repos: VaccinationRepositories, scope: DoseScope) {
  return {
    doseRow: oneByKey((ids: readonly string[]) => repos.doses.byIds(ids), (r) => r.id),
    dosesOfPerson:
      scope.kind === 'NONE'
        ? new DataLoader<string, never[]>(async (keys) => keys.map(() => []))
        : manyByKey((ids: readonly string[]) => repos.doses.byPersonIds(ids, scope), (r) => r.personId),
    statusRow: oneByKey((ids: readonly string[]) => repos.doses.statusOf(ids), (r) => r.personId),
    /** The catalogue (one read per request, under the key 'all'). */
    products: new DataLoader<'all', VaccineProductRow[]>(async (keys) => {
      const all = await repos.products.all();
      return keys.map(() => all);
    }),
    /** Reached only through a dose the caller may read (`Dose.adverseEvents`). */
    adverseEvents: manyByKey((ids: readonly string[]) => repos.doses.adverseEventsOf(ids), (r) => r.doseId),
  };
}

export type VaccinationLoaders = ReturnType<typeof createLoaders>;
