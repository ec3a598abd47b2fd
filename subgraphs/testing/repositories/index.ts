import type { TestingDb } from '../db/models.ts';
import { ScheduleRepository } from './schedules.ts';
import { TestResultRepository } from './test-results.ts';

export { ScheduleRepository, TestResultRepository };
export type { RecordOutcome } from './test-results.ts';
export type { ScheduleInput, ScheduledTestRow } from './schedules.ts';

export interface TestingRepositories {
  results: TestResultRepository;
  schedules: ScheduleRepository;
}

/** One repository per aggregate, over the testing database. */
export function createRepositories(db: TestingDb): TestingRepositories {
  return { results: new TestResultRepository(db), schedules: new ScheduleRepository(db) };
}
