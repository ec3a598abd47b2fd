import DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { ProvinceAccess } from './access.ts';
import type { TracingTaskStatus } from './db/models.ts';
import type { ProvinceRepositories } from './repositories/index.ts';

/**
 * A per-request cache for a list read with a filter: the same filter asked twice in one request
 * (e.g. the same Province reached along two paths) is read once.
 */
function listByFilter<K, R>(load: (filter: K) => Promise<R[]>): DataLoader<K, R[]> {
  return new DataLoader<K, R[]>((filters) => Promise.all(filters.map((filter) => load(filter))));
}

/**
 * Made per request (never shared between callers), so batching never mixes requests. The task list
 * is filtered by the caller's task scope (access.ts); single rows are judged by the reader.
 */
export function createLoaders(repos: ProvinceRepositories, access: ProvinceAccess) {
  const wards = access.tasks.kind === 'WARDS' ? access.tasks.wards : undefined;
  return {
    profile: oneByKey((codes: readonly string[]) => repos.profile.byCodes(codes), (p) => p.code),
    facility: oneByKey((ids: readonly string[]) => repos.facilities.byIds(ids), (f) => f.id),
    testingSite: oneByKey((ids: readonly string[]) => repos.testingSites.byIds(ids), (s) => s.id),
    task: oneByKey((ids: readonly string[]) => repos.tracingTasks.byIds(ids), (t) => t.id),
    taskNotes: manyByKey((ids: readonly string[]) => repos.tracingTasks.notesByTaskIds(ids), (n) => n.taskId),
    team: oneByKey((ids: readonly string[]) => repos.tracerTeams.teamsByIds(ids), (t) => t.id),
    teamTracers: manyByKey((ids: readonly string[]) => repos.tracerTeams.tracersByTeamIds(ids), (t) => t.teamId),
    teamWards: manyByKey((ids: readonly string[]) => repos.tracerTeams.wardsByTeamIds(ids), (w) => w.teamId),
    tracer: oneByKey((ids: readonly string[]) => repos.tracerTeams.tracersByIds(ids), (t) => t.id),
    zoneWards: manyByKey((ids: readonly string[]) => repos.zones.wardsByZoneIds(ids), (w) => w.zoneId),
    facilities: listByFilter((withFreeBeds: boolean) => repos.facilities.list({ withFreeBeds })),
    testingSites: listByFilter((_: 'all') => repos.testingSites.list()),
    teams: listByFilter((_: 'all') => repos.tracerTeams.list()),
    tasks: listByFilter((status: TracingTaskStatus | 'ALL') => repos.tracingTasks.list({ ...(status === 'ALL' ? {} : { status }), ...(wards ? { wards } : {}) })),
    // Keyed by epoch milliseconds (a Date is compared by identity), or 'all'.
    zones: listByFilter((activeAt: number | 'all') => repos.zones.list(activeAt === 'all' ? {} : { activeAt: new Date(activeAt) })),
  };
}

export type ProvinceLoaders = ReturnType<typeof createLoaders>;
