import type { CheckinsDb } from '../db/models.ts';
import type { ExposureRule } from '../rule.ts';
import { CheckInBatchRepository } from './check-in-batches.ts';
import { CheckInRepository } from './check-ins.ts';
import { ExposureRepository } from './exposures.ts';
import { VenueRepository } from './venues.ts';

export { CheckInBatchRepository, CheckInRepository, ExposureRepository, VenueRepository };
export type { RegisterVenueResult, VenueDto } from './venues.ts';
export type { CheckInDto, CheckInResult, CheckOutResult, TimeWindow } from './check-ins.ts';
export type { RecordCheckInsResult } from './check-in-batches.ts';
export type { ExposureDto, ExposureQuery } from './exposures.ts';

/** One repository per aggregate, over the checkins database, under one exposure rule (its maximum stay closes open visits). */
export function createRepositories(db: CheckinsDb, rule: ExposureRule) {
  return {
    venues: new VenueRepository(db),
    checkIns: new CheckInRepository(db, rule),
    checkInBatches: new CheckInBatchRepository(db, rule),
    exposures: new ExposureRepository(db, rule),
  };
}

export type CheckinsRepositories = ReturnType<typeof createRepositories>;
