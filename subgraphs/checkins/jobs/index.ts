import type { JobsModule } from '../../shared/jobs.ts';
import type * as tables from '../db/schema.ts';
import { startCheckinsMaintenance, type CheckinsMaintenanceJobs } from './maintenance.ts';

/** The checkins subgraph's background duties: the repeatable maintenance of daily partitions and retention. */
export const checkinsJobs: JobsModule<typeof tables, CheckinsMaintenanceJobs> = {
  name: 'checkins-maintenance',
  start: ({ db, queues, logger, settings }) =>
    startCheckinsMaintenance({ backend: queues, db, logger, everyMs: settings.maintenanceEveryMs, maintenance: { retentionDays: settings.retentionDays } }),
};
