import DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { TracingAccess } from './access.ts';
import type { PersonContactStatus, TracingRepositories } from './repositories/index.ts';

/**
 * Made per request (never shared between callers), so batching never mixes requests, and with
 * the caller's scopes (access.ts `scopesOf`): the list loaders put them into their one SQL
 * statement. `caseRow` and `contactRow` are not filtered: a single read must tell "not visible"
 * (FORBIDDEN) from "no such row" (null), so resolvers read single cases and contacts through the
 * reader (reader.ts), which decides each row, never through these two directly.
 */
export function createLoaders(repos: TracingRepositories, access: TracingAccess) {
  return {
    caseRow: oneByKey((ids: readonly string[]) => repos.cases.byIds(ids), (c) => c.id),
    contactRow: oneByKey((ids: readonly string[]) => repos.contacts.byIds(ids), (c) => c.id),
    /** The distinct known home provinces of a case's contacts (only loaded when the policy needs them). */
    contactProvincesOfCase: manyByKey((ids: readonly string[]) => repos.contacts.homeProvincesByCaseIds(ids), (r) => r.caseId),
    casesOfPerson: manyByKey((ids: readonly string[]) => repos.cases.byPersonIds(ids, access.cases), (c) => c.personId),
    contactsOfCase: manyByKey((ids: readonly string[]) => repos.contacts.byCaseIds(ids, access.contacts), (c) => c.caseId),
    /** Keyed by case id: a run's id is its case's id. Reached only through a case the caller may read (`Case.run`). */
    run: oneByKey((ids: readonly string[]) => repos.runs.byIds(ids), (r) => r.id),
    rule: oneByKey((names: readonly string[]) => repos.rules.byNames(names), (r) => r.name),
    contactStatus: new DataLoader<string, PersonContactStatus>(async (personIds) => {
      const byPerson = await repos.contacts.contactStatusByPersonIds(personIds, access);
      return personIds.map((id) => byPerson.get(id) ?? 'NONE');
    }),
  };
}

export type TracingLoaders = ReturnType<typeof createLoaders>;
