import type { Identity } from '../../shared/identity.ts';
import type { AuditRepository } from '../../shared/audit.ts';
import type { TracingAccess } from '../access.ts';
import type { HealthAuditTrail } from '../audit.ts';
import type { TracingLoaders } from '../loaders.ts';
import type { TracingReader } from '../reader.ts';
import type { TracingRepositories } from '../repositories/index.ts';

/**
 * Runs after a confirmation has committed, with the case id. This is where the tracing piece
 * enqueues the BullMQ job (job id = case id, so a repeat is a no-op). See server.ts.
 */
export type AfterConfirm = (caseId: string) => Promise<void>;

/** Asks the graph whether a person is registered (confirmCase refuses a case for an unknown person). */
export type PersonExists = (personId: string) => Promise<boolean>;

/** Queues the withdrawal of a rejected case's tasks and test schedules (jobs/case-withdrawal.ts). */
export type AfterReject = (caseId: string) => Promise<void>;

export interface TracingContext {
  identity: Identity;
  /** What the caller may read (access.ts `scopesOf`): lists pass these scopes to SQL. */
  access: TracingAccess;
  repos: TracingRepositories;
  loaders: TracingLoaders;
  /** Every read of health status: single reads decided by the policy (FORBIDDEN when not visible), lists, and their audit (reader.ts). */
  reader: TracingReader;
  /** This request's audit records, written before the response leaves (shared/audit.ts); null when audit is off. */
  audit: HealthAuditTrail;
  /** The tracing database's audit trail (`healthAuditTrail`). */
  auditRecords: AuditRepository;
  afterConfirm: AfterConfirm | undefined;
  afterReject: AfterReject | undefined;
  personExists: PersonExists | undefined;
}
