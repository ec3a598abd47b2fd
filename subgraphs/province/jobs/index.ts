import { outboxRelayJobs } from '../../shared/outbox.ts';

/**
 * A province shard's background duty: relaying its domain events (tracing tasks, facility
 * occupancy) from its outbox to the analytics subgraph's queue. Each shard runs it in its own
 * process (shared/run.ts), since the worker process serves the national databases only.
 */
export const provinceJobs = outboxRelayJobs('province');
