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
 * | `testSchedule`| `Person.testSchedule` (recorded even when none is visible)                  |
 *
 * A single read the policy refuses is a DENIED record, as is a lab's refused list; rows a list
 * left out were never read and leave no record. `recordTestResults` returns counts, not results:
 * it is not a read.
 */
export const TEST_RESULT_FIELDS = ['testResult', 'testResults', 'latestTest', 'testSchedule'] as const;
export type TestResultField = (typeof TEST_RESULT_FIELDS)[number];

export class TestResultAuditTrail extends AuditTrail<TestResultField> {
  constructor() {
    super(TEST_RESULT_FIELDS);
  }
}
