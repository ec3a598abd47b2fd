import type { Identity } from '../../shared/identity.ts';
import type { TracingLoaders } from '../loaders.ts';
import type { TracingRepositories } from '../repositories/index.ts';

/**
 * Runs after a confirmation has committed, with the case id. This is where the tracing piece
 * enqueues the BullMQ job (job id = case id, so a repeat is a no-op). See server.ts.
 */
export type AfterConfirm = (caseId: string) => Promise<void>;

/** Asks the graph whether a person is registered (confirmCase refuses a case for an unknown person). */
export type PersonExists = (personId: string) => Promise<boolean>;

export interface TracingContext {
  identity: Identity;
  repos: TracingRepositories;
  loaders: TracingLoaders;
  afterConfirm: AfterConfirm | undefined;
  personExists: PersonExists | undefined;
}
