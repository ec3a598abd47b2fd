import DataLoader from 'dataloader';
import { manyByKey, oneByKey, perArguments } from '../shared/loaders.ts';
import type { TestResultScope } from './access.ts';
import { vietnamDatePlus } from './confirmation.ts';
import type { TestResultRow } from './db/models.ts';
import type { SiteDaySummary, SiteKey, TestingRepositories } from './repositories/index.ts';
import type { Page } from './validation.ts';

const siteKey = (s: SiteKey) => `${s.provinceCode}:${s.id}`;
/** A day's list is loaded per page: the same page of several provinces or sites in one statement. */
const dayPage = ({ date, page }: { date: string; page: Page }) => `${date}:${page.limit}:${page.offset}`;

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
    testScheduleOfContact:
      scope.kind === 'NONE'
        ? none<string>()
        : manyByKey((ids: readonly string[]) => repos.schedules.ofContacts(ids, scope, vietnamDatePlus(new Date(), 0)), (r) => r.contactId),
    // A province's or a site's day: who may ask is decided per province by the reader, before these load.
    provinceSchedule: perArguments(
      dayPage,
      ({ date, page }) => manyByKey((codes: readonly string[]) => repos.schedules.dueInProvinces(codes, date, vietnamDatePlus(new Date(), 0), page), (r) => r.homeProvinceCode ?? ''),
    ),
    siteResults: perArguments(
      dayPage,
      ({ date, page }) => new DataLoader<SiteKey, TestResultRow[], string>(async (sites) => {
        const bySite = new Map<string, TestResultRow[]>();
        for (const row of await repos.sites.ofDay(sites, date, page)) {
          const key = `${row.siteProvinceCode}:${row.siteId}`;
          const list = bySite.get(key);
          if (list) list.push(row);
          else bySite.set(key, [row]);
        }
        return sites.map((site) => bySite.get(siteKey(site)) ?? []);
      }, { cacheKeyFn: siteKey }),
    ),
    siteSummary: perArguments(
      (date: string) => date,
      (date) => new DataLoader<SiteKey, SiteDaySummary | null, string>(async (sites) => {
        const rows = new Map((await repos.sites.summaryOfDay(sites, date)).map((r) => [siteKey(r), r]));
        return sites.map((site) => rows.get(siteKey(site)) ?? null);
      }, { cacheKeyFn: siteKey }),
    ),
    /** Reached only through a result the caller may read (`TestResult.history`). */
    revisions: manyByKey((ids: readonly string[]) => repos.results.revisionsOf(ids), (r) => r.testResultId),
  };
}

export type TestingLoaders = ReturnType<typeof createLoaders>;
