import { AuditTrail } from '../shared/audit.ts';

/**
 * Audit of reads of test results (the shared audit, subgraphs/shared/audit.ts, with this
 * subgraph's field list and its own `audit_records` table). The reader (reader.ts) records one
 * entry per person per request, whatever path reached the row:
 *
 * | field         | read when the answer holds                                                  |
 * |---------------|-----------------------------------------------------------------------------|
 * | `testResult`  | one result by id: `testResult`, a `TestResult` reference (`_entities`)      |
 * | `testResults` | `Person.testResults` (recorded even when none is visible)                   |
 * | `latestTest`  | `Person.latestTest` (recorded even when there is none)                      |
 * | `testSchedule`| `Person.testSchedule` (recorded even when none is visible); `Contact` and   |
 * |               | `TracingTask.testSchedule` (each person of the entries returned)            |
 * | `testingSchedule` | `Province.testingSchedule`: each person on the day's list               |
 * | `siteResults` | `TestingSite.results`: each person with a result on the site's day          |
 *
 * A single read the policy refuses is a DENIED record, as is a lab's refused list; rows a list
 * left out were never read and leave no record. A refused read that names no person (a province's
 * list, a site's day, a contact's schedule asked for by a lab) leaves no record: there is no person
 * to file it under. `TestingSite.summary` and `recordTestResults` return counts, no person's data:
 * they are not reads of a person.
 */
export const TEST_RESULT_FIELDS = ['testResult', 'testResults', 'latestTest', 'testSchedule', 'testingSchedule', 'siteResults'] as const;
export type TestResultField = (typeof TEST_RESULT_FIELDS)[number];

export class TestResultAuditTrail extends AuditTrail<TestResultField> {
  constructor() {
    super(TEST_RESULT_FIELDS);
  }
}
