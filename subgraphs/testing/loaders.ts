import DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { TestResultScope } from './access.ts';
import { vietnamDatePlus } from './confirmation.ts';
import type { TestResultRow } from './db/models.ts';
import type { TestingRepositories } from './repositories/index.ts';

/**
 * Made per request, with the caller's scope: the list loaders put it into their one SQL statement.
 * `resultRow` is not filtered: a single read must tell "not visible" (FORBIDDEN) from "none" (null),
 * so resolvers read single results through the reader (reader.ts), which decides each row.
 */
export function createLoaders(repos: TestingRepositories, scope: TestResultScope) {
  const none = <K>() => new DataLoader<K, never[]>(async (keys) => keys.map(() => []));
  return {
    resultRow: oneByKey((ids: readonly string[]) => repos.results.byIds(ids), (r) => r.id),
    resultsOfPerson: scope.kind === 'NONE' ? none<string>() : manyByKey((ids: readonly string[]) => repos.results.byPersonIds(ids, scope), (r) => r.personId),
    latestOfPerson:
      scope.kind === 'NONE'
        ? new DataLoader<string, TestResultRow | null>(async (keys) => keys.map(() => null))
        : oneByKey((ids: readonly string[]) => repos.results.latestByPersonIds(ids, scope), (r) => r.personId),
    testScheduleOfPerson:
      scope.kind === 'NONE'
        ? none<string>()
        : manyByKey((ids: readonly string[]) => repos.schedules.ofPeople(ids, scope, vietnamDatePlus(new Date(), 0)), (r) => r.personId),
    /** Reached only through a result the caller may read (`TestResult.history`). */
    revisions: manyByKey((ids: readonly string[]) => repos.results.revisionsOf(ids), (r) => r.testResultId),
  };
}

export type TestingLoaders = ReturnType<typeof createLoaders>;
