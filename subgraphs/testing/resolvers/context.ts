import type { AuditRepository } from '../../shared/audit.ts';
import type { Identity } from '../../shared/identity.ts';
import type { TestResultAuditTrail } from '../audit.ts';
import type { TestingLoaders } from '../loaders.ts';
import type { TestingReader } from '../reader.ts';
import type { TestingRepositories } from '../repositories/index.ts';

import type { ConfirmationJob } from '../jobs/confirmation.queue.ts';
import type { CheckReferences } from '../references.ts';

/** Queues positive results for the confirmation rules (jobs/index.ts), after `recordTestResults` committed. */
export type AfterRecord = (positives: readonly ConfirmationJob[]) => Promise<void>;

export interface TestingContext {
  afterRecord: AfterRecord | undefined;
  /** Which testing sites and people of an upload the graph does not know (references.ts); without it, only their shape is checked. */
  checkReferences: CheckReferences | undefined;
  identity: Identity;
  repos: TestingRepositories;
  loaders: TestingLoaders;
  /** Every read of test results: single reads decided by the policy, lists, and their audit (reader.ts). */
  reader: TestingReader;
  /** This request's audit records, written before the response leaves (shared/audit.ts). */
  audit: TestResultAuditTrail;
  /** The testing database's audit trail. */
  auditRecords: AuditRepository;
}
