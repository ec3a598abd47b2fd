import { outboxRelayJobs } from '../../shared/outbox.ts';

/**
 * The vaccination subgraph's background duty: relaying its domain events (`doses.tallied`, written
 * with each upload's doses) from its outbox to the analytics subgraph's queue, in the worker.
 */
export const vaccinationJobs = outboxRelayJobs('vaccination');
