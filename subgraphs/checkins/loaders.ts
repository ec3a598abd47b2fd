import type DataLoader from 'dataloader';
import { manyByKey, oneByKey, perArguments } from '../shared/loaders.ts';
import type { CheckinsAccess } from './access.ts';
import type { CheckInDto, CheckinsRepositories, ExposureDto, ExposureQuery, TimeWindow } from './repositories/index.ts';

const stamp = (at: Date | null): string => (at ? at.toISOString() : '');

/**
 * Made per request (never shared between callers), so batching never mixes requests, and with
 * the caller's access (access.ts `decide`): the check-in and exposure loaders put its filters into
 * their one SQL statement, so the argument tuple alone keys them within the request.
 * Person fields with arguments get one DataLoader per distinct argument tuple: the people asked
 * with the same window (e.g. all F1 contacts of a case) share one SQL statement.
 */
export function createLoaders(repos: CheckinsRepositories, access: CheckinsAccess) {
  const windowKey = (window: TimeWindow) => `${stamp(window.from)}|${stamp(window.to)}`;
  return {
    venue: oneByKey((ids: readonly string[]) => repos.venues.byIds(ids), (v) => v.id),
    venueByQr: oneByKey((codes: readonly string[]) => repos.venues.byQrCodes(codes), (v) => v.qrCode),
    /** Check-ins per person id (lower-case UUID) for one window. */
    checkInsOf: perArguments(windowKey, (window: TimeWindow): DataLoader<string, CheckInDto[]> =>
      manyByKey((ids: readonly string[]) => repos.checkIns.forPeople(ids, window, access.checkIns), (c) => c.personId),
    ),
    /** Check-ins per venue id for one window. */
    venueCheckInsOf: perArguments(windowKey, (window: TimeWindow): DataLoader<string, CheckInDto[]> =>
      manyByKey((ids: readonly string[]) => repos.checkIns.forVenues(ids, window, access.checkIns), (c) => c.venueId),
    ),
    /** Exposures per person id (lower-case UUID) for one (from, to, minOverlapMinutes, excluded) tuple. */
    exposuresOf: perArguments(
      (query: ExposureQuery) => `${windowKey(query)}|${query.minOverlapMinutes}|${(query.excludeContacts ?? []).join(',')}`,
      (query: ExposureQuery): DataLoader<string, ExposureDto[]> =>
        manyByKey((ids: readonly string[]) => repos.exposures.forPeople(ids, query, access.exposures), (e) => e.personId),
    ),
  };
}

export type CheckinsLoaders = ReturnType<typeof createLoaders>;
