import type { TestingDb } from '../db/models.ts';
import { TestResultRepository } from './test-results.ts';

export { TestResultRepository };
export type { RecordOutcome } from './test-results.ts';

export interface TestingRepositories {
  results: TestResultRepository;
}

/** One repository per aggregate, over the testing database. */
export function createRepositories(db: TestingDb): TestingRepositories {
  return { results: new TestResultRepository(db) };
}
