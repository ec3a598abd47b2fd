import type { TestingDb } from '../db/models.ts';
import { ScheduleRepository } from './schedules.ts';
import { SiteResultRepository } from './site-results.ts';
import { TestResultRepository } from './test-results.ts';

export { ScheduleRepository, SiteResultRepository, TestResultRepository };
export type { RecordOutcome } from './test-results.ts';
export type { ScheduleInput, ScheduledTestRow } from './schedules.ts';
export type { SiteDaySummary, SiteKey } from './site-results.ts';

export interface TestingRepositories {
  results: TestResultRepository;
  schedules: ScheduleRepository;
  sites: SiteResultRepository;
}

/** One repository per aggregate, over the testing database. */
export function createRepositories(db: TestingDb): TestingRepositories {
  return { results: new TestResultRepository(db), schedules: new ScheduleRepository(db), sites: new SiteResultRepository(db) };
}
