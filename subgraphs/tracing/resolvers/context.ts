import type { Identity } from '../../shared/identity.ts';
import type { TracingLoaders } from '../loaders.ts';
import type { TracingRepositories } from '../repositories/index.ts';

/**
 * Runs after a confirmation has committed, with the case id. This is where the tracing piece
 * enqueues the BullMQ job (job id = case id, so a repeat is a no-op). See server.ts.
 */
export type AfterConfirm = (caseId: string) => Promise<void>;

export interface TracingContext {
  identity: Identity;
  repos: TracingRepositories;
  loaders: TracingLoaders;
  afterConfirm: AfterConfirm | undefined;
}
