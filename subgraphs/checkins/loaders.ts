import type DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { CheckInDto, CheckInRepository, ExposureDto, ExposureQuery, ExposureRepository, TimeWindow, VenueRepository } from './repository.ts';

export interface CheckinsRepositories {
  venues: VenueRepository;
  checkIns: CheckInRepository;
  exposures: ExposureRepository;
}

const stamp = (at: Date | null): string => (at ? at.toISOString() : '');

/**
 * Made per request (never shared between callers), so batching never mixes requests.
 * Person fields with arguments get one DataLoader per distinct argument tuple: the people asked
 * with the same window (e.g. all F1 contacts of a case) share one SQL statement.
 */
export function createLoaders(repos: CheckinsRepositories) {
  const checkInsByWindow = new Map<string, DataLoader<string, CheckInDto[]>>();
  const venueCheckInsByWindow = new Map<string, DataLoader<string, CheckInDto[]>>();
  const exposuresByQuery = new Map<string, DataLoader<string, ExposureDto[]>>();
  return {
    venue: oneByKey((ids: readonly string[]) => repos.venues.byIds(ids), (v) => v.id),
    venueByQr: oneByKey((codes: readonly string[]) => repos.venues.byQrCodes(codes), (v) => v.qrCode),
    /** Check-ins per person id (lower-case UUID) for one window. */
    checkInsOf(window: TimeWindow): DataLoader<string, CheckInDto[]> {
      const key = `${stamp(window.from)}|${stamp(window.to)}`;
      let loader = checkInsByWindow.get(key);
      if (!loader) {
        loader = manyByKey((ids: readonly string[]) => repos.checkIns.forPeople(ids, window), (c) => c.personId);
        checkInsByWindow.set(key, loader);
      }
      return loader;
    },
    /** Check-ins per venue id for one window. */
    venueCheckInsOf(window: TimeWindow): DataLoader<string, CheckInDto[]> {
      const key = `${stamp(window.from)}|${stamp(window.to)}`;
      let loader = venueCheckInsByWindow.get(key);
      if (!loader) {
        loader = manyByKey((ids: readonly string[]) => repos.checkIns.forVenues(ids, window), (c) => c.venueId);
        venueCheckInsByWindow.set(key, loader);
      }
      return loader;
    },
    /** Exposures per person id (lower-case UUID) for one (from, to, minOverlapMinutes) tuple. */
    exposuresOf(query: ExposureQuery): DataLoader<string, ExposureDto[]> {
      const key = `${stamp(query.from)}|${stamp(query.to)}|${query.minOverlapMinutes}`;
      let loader = exposuresByQuery.get(key);
      if (!loader) {
        loader = manyByKey((ids: readonly string[]) => repos.exposures.forPeople(ids, query), (e) => e.personId);
        exposuresByQuery.set(key, loader);
      }
      return loader;
    },
  };
}

export type CheckinsLoaders = ReturnType<typeof createLoaders>;
