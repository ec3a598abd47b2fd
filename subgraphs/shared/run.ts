import { databaseName, openSubgraphDatabase, type Database } from './db.ts';
import { EnvError, loadEnv, requireCertificateKeys, type HubEnv } from './env.ts';
import { GraphClient } from './graph-client.ts';
import { DEFAULT_JOBS_SETTINGS, type JobsSettings, type RunningJobs } from './jobs.ts';
import { createLogger, type Logger } from './logger.ts';
import type { SubgraphModule } from './module.ts';
import { startObservability, stopOnSignals } from './process.ts';
import type { CertificateKeyConfig } from '../vaccination/certificates/keys.ts';
import { resolvePostgresServer, type PostgresServer } from './postgres-server.ts';
import { createQueueBackend, type QueueBackend } from './queues.ts';
import { buildSubgraphService, type SubgraphService } from './subgraph.ts';
import { NATIONAL_PORTS, provincePort } from '../catalog.ts';

/**
 * What a service process holds besides its HTTP server, opened on demand and closed in reverse
 * order: the PostgreSQL server (DATABASE_URL's, or the embedded one), the job queues and the graph
 * client. Shared by a subgraph's own process (`runSubgraph`) and the worker process
 * (workers/index.ts), so both read the same configuration the same way.
 */
interface Closer {
  what: string;
  close(): Promise<void>;
}
const SLOW_CLOSE_MS = 2_000;

export class ServiceResources {
  private queues: QueueBackend | undefined;
  private graph: GraphClient | undefined;
  /** What close() closes: the jobs, then the queues and graph client, then the databases they all use. */
  private readonly jobClosers: Closer[] = [];
  private readonly closers: Closer[] = [];
  private readonly databaseClosers: Closer[] = [];

  private constructor(
    readonly env: HubEnv,
    readonly postgres: PostgresServer,
    readonly logger: Logger,
  ) {}

  static async open(env: HubEnv, logger: Logger): Promise<ServiceResources> {
    const postgres = await resolvePostgresServer({ databaseUrl: env.postgres.url, embeddedDir: env.postgres.embeddedDir, embeddedPort: env.postgres.embeddedPort, logger });
    return new ServiceResources(env, postgres, logger);
  }

  async database(module: SubgraphModule<any>, provinceCode?: string): Promise<Database<any>> {
    const database = await openSubgraphDatabase(this.postgres.url, databaseName(this.env.postgres.prefix, module.name, provinceCode), module.name, module.tables, module.connections);
    this.databaseClosers.push({ what: `database of ${module.name}${provinceCode ? ` ${provinceCode}` : ''}`, close: () => database.close() });
    return database;
  }

  async queueBackend(): Promise<QueueBackend> {
    if (!this.queues) {
      const queues = await createQueueBackend({ redisUrl: this.env.redisUrl, postgresServerUrl: this.postgres.url, prefix: this.env.postgres.prefix, logger: this.logger });
      this.logger.info({ queues: queues.kind }, `job queues on ${queues.describe}`);
      this.closers.push({ what: 'queues', close: () => queues.close() });
      this.queues = queues;
    }
    return this.queues;
  }

  graphClient(): GraphClient {
    if (!this.graph) {
      const graph = new GraphClient(() => this.env.gatewayUrl, this.env.secrets.jwt);
      this.closers.push({ what: 'graph client', close: () => graph.close() });
      this.graph = graph;
    }
    return this.graph;
  }

  jobsSettings(): JobsSettings {
    return { ...DEFAULT_JOBS_SETTINGS, retentionDays: this.env.jobs.retentionDays, maintenanceEveryMs: this.env.jobs.maintenanceEveryMs };
  }

  /** Starts a module's jobs on its database (opened here unless given). */
  async startJobs(module: SubgraphModule<any>, database?: Database<any>): Promise<RunningJobs> {
    if (!module.jobs) throw new Error(`the ${module.name} subgraph has no background jobs`);
    const db = database ?? (await this.database(module));
    const jobs = await module.jobs.start({
      db: db.db,
      queues: await this.queueBackend(),
      graph: this.graphClient(),
      logger: this.logger.child({ jobs: module.jobs.name }),
      settings: this.jobsSettings(),
    });
    this.jobClosers.push({ what: `jobs ${module.jobs.name}`, close: () => jobs.close() });
    this.logger.info({ jobs: module.jobs.name }, 'background jobs started');
    return jobs;
  }

  /**
   * Closes everything opened: every module's jobs at once, then the queues and graph client, then
   * every database at once. Each job waits for its jobs in progress and each pool up to 5 s for its
   * statements (after a PostgreSQL restart one took the full 5 s): one after another, the worker's
   * modules outlasted stopOnSignals' grace in the chaos run.
   */
  async close(): Promise<void> {
    await Promise.all(this.jobClosers.splice(0).map((closer) => this.closeOne(closer)));
    for (const closer of this.closers.splice(0).reverse()) await this.closeOne(closer);
    await Promise.all(this.databaseClosers.splice(0).map((closer) => this.closeOne(closer)));
    await this.postgres.stop();
  }

  private async closeOne({ what, close }: Closer): Promise<void> {
    const started = Date.now();
    await close().catch((error: unknown) => this.logger.error({ err: error, what }, 'error while closing'));
    // A stop is bounded (stopOnSignals): say what held it up.
    if (Date.now() - started > SLOW_CLOSE_MS) this.logger.warn({ what, ms: Date.now() - started }, 'slow to close');
  }
}

/**
 * Runs one subgraph as its own process (how each service is deployed, and how a provincial center
 * runs its shard): its own database on DATABASE_URL's server (or the embedded one), migrated at
 * start; the queues and the graph client when the module needs them; its background jobs too when
 * JOBS_IN_PROCESS=true (otherwise the worker process runs them).
 */
export async function runSubgraph(module: SubgraphModule<any>): Promise<void> {
  const env = loadEnv();
  const provinceCode = module.name === 'province' ? env.service.provinceCode : undefined;
  if (module.name === 'province' && !provinceCode) {
    console.error('PROVINCE_CODE is required for the province subgraph, e.g. PROVINCE_CODE=79');
    process.exit(1);
  }
  // Before anything is opened: a service that signs certificates does not start without its key.
  const certificateKeys = module.needs?.certificateKeys ? certificateKeysOrExit(env.certificateKeys) : undefined;
  const name = provinceCode ? `province-${provinceCode}` : module.name;
  const logger = createLogger(name, env.logLevel);
  const stopObservability = await startObservability(env, name, logger);
  const resources = await ServiceResources.open(env, logger);
  let service: SubgraphService | undefined;
  stopOnSignals(logger, async () => {
    await service?.stop();
    await resources.close();
    await stopObservability();
  });

  const database = await resources.database(module, provinceCode);
  await module.prepare?.(database.db);
  service = await buildSubgraphService(
    module.build(database.db, {
      nationalIdKey: env.secrets.nationalIdKey,
      ...(provinceCode ? { provinceCode } : {}),
      logger,
      ...(module.needs?.queues ? { queues: await resources.queueBackend() } : {}),
      ...(module.needs?.graph ? { graph: resources.graphClient() } : {}),
      ...(certificateKeys ? { certificateKeys } : {}),
    }),
    { internalTokenSecret: env.secrets.internalToken, logger, production: env.production, serverName: name, probeDatabase: () => database.sql`select 1` },
  );
  // A province shard relays its own outbox: the worker process serves the national databases only.
  if ((env.jobs.inProcess || provinceCode) && module.jobs) await resources.startJobs(module, database);
  const port = env.service.port ?? (provinceCode ? provincePort(provinceCode) : NATIONAL_PORTS[module.name as keyof typeof NATIONAL_PORTS]);
  const url = await service.listen(port, env.gateway.host);
  logger.info({ url: `${url}/graphql` }, 'subgraph listening');
}

/** A service that signs certificates does not start in production without its key (printed like any other bad variable). */
function certificateKeysOrExit(keys: CertificateKeyConfig | undefined): CertificateKeyConfig {
  try {
    return requireCertificateKeys(keys);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
