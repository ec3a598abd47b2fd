import type { AnalyticsDb } from '../db/models.ts';
import { ReportRepository } from './reports.ts';
import { RollupRepository } from './rollups.ts';
import { SerialIntervalRepository } from './serial-intervals.ts';

export { ReportRepository, RollupRepository, SerialIntervalRepository };
export type { AreaSeries } from './reports.ts';

export interface AnalyticsRepositories {
  rollups: RollupRepository;
  reports: ReportRepository;
  serialIntervals: SerialIntervalRepository;
}

/** One repository per aggregate, over the analytics database. */
export function createRepositories(db: AnalyticsDb): AnalyticsRepositories {
  return { rollups: new RollupRepository(db), reports: new ReportRepository(db), serialIntervals: new SerialIntervalRepository(db) };
}
