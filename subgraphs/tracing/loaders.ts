import DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { PersonContactStatus, TracingRepositories } from './repositories/index.ts';

/** Made per request (never shared between callers), so batching never mixes requests. */
export function createLoaders(repos: TracingRepositories) {
  return {
    case: oneByKey((ids: readonly string[]) => repos.cases.byIds(ids), (c) => c.id),
    casesOfPerson: manyByKey((ids: readonly string[]) => repos.cases.byPersonIds(ids), (c) => c.personId),
    contact: oneByKey((ids: readonly string[]) => repos.contacts.byIds(ids), (c) => c.id),
    contactsOfCase: manyByKey((ids: readonly string[]) => repos.contacts.byCaseIds(ids), (c) => c.caseId),
    /** Keyed by case id: a run's id is its case's id. */
    run: oneByKey((ids: readonly string[]) => repos.runs.byIds(ids), (r) => r.id),
    rule: oneByKey((names: readonly string[]) => repos.rules.byNames(names), (r) => r.name),
    contactStatus: new DataLoader<string, PersonContactStatus>(async (personIds) => {
      const byPerson = await repos.contacts.contactStatusByPersonIds(personIds);
      return personIds.map((id) => byPerson.get(id) ?? 'NONE');
    }),
  };
}

export type TracingLoaders = ReturnType<typeof createLoaders>;
