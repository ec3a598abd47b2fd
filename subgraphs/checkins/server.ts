import { checkinsJobs } from './jobs/index.ts';
import * as tables from './db/schema.ts';
import type { SubgraphModule } from '../shared/module.ts';
import { AuditRepository, auditHooks } from '../shared/audit.ts';
import type { Identity } from '../shared/identity.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { loadSchemaFile, type SubgraphDefinition } from '../shared/subgraph.ts';
import { schemaFile } from '../catalog.ts';
import { decide } from './access.ts';
import { MovementAuditTrail } from './audit.ts';
import { createLoaders } from './loaders.ts';
import type { CheckinsDb } from './db/models.ts';
import { createRepositories } from './repositories/index.ts';
import { resolvers, type CheckinsContext } from './resolvers/index.ts';
import { DEFAULT_EXPOSURE_RULE, type ExposureRule } from './rule.ts';
import { CheckinPartitions, DEFAULT_DAYS_AHEAD } from './partitions.ts';

export const typeDefs = loadSchemaFile(schemaFile('checkins'));

export interface CheckinsOptions {
  /** The exposure rule in force (maximum stay, default minimum overlap); DEFAULT_EXPOSURE_RULE when left out. */
  rule?: ExposureRule;
  /** Where a failed audit write is reported; a silent logger when left out (tests). */
  logger?: Logger;
  /** The clock of audit records. */
  now?: () => Date;
}

/** The checkins subgraph, built around one database handle; index.ts (or the hub launcher) starts it. */
export function checkinsSubgraph(db: CheckinsDb, options: CheckinsOptions = {}): SubgraphDefinition<CheckinsContext> {
  const rule = options.rule ?? DEFAULT_EXPOSURE_RULE;
  const repos = createRepositories(db, rule);
  const auditRecords = new AuditRepository(db);
  const logger = options.logger ?? createLogger('checkins', 'silent');
  return {
    name: 'checkins',
    typeDefs,
    resolvers,
    createContext: (identity: Identity): CheckinsContext => {
      const access = decide(identity);
      return { identity, access, ...repos, loaders: createLoaders(repos, access), audit: new MovementAuditTrail(), auditRecords };
    },
    // Reads of check-ins and exposures are written to the checkins database's audit_records before the response leaves.
    hooks: [auditHooks<CheckinsContext>({ subgraph: 'checkins', repository: auditRecords, now: options.now ?? (() => new Date()), logger })],
  };
}

export const checkinsModule: SubgraphModule<typeof tables> = {
  name: 'checkins',
  tables,
  jobs: checkinsJobs,
  build: (db, config) => checkinsSubgraph(db, { logger: config.logger }),
  // Daily partitions for today and the week ahead, so writes land in them from the first start
  // (the maintenance job keeps it so; without them rows go to check_ins_default, which also works).
  prepare: async (db) => {
    await new CheckinPartitions(db).ensurePartitions(new Date(), DEFAULT_DAYS_AHEAD);
  },
};
