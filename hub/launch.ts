import { NATIONAL_PORTS, provincePort, type SubgraphName } from '../subgraphs/catalog.ts';
import { databaseName, openSubgraphDatabase, type Database } from '../subgraphs/shared/db.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import type { SubgraphConfig, SubgraphModule } from '../subgraphs/shared/module.ts';
import { buildSubgraphService, type SubgraphService } from '../subgraphs/shared/subgraph.ts';
import { closeServer, createOpsServer, listen } from '../subgraphs/shared/http.ts';
import { metricsRoute, startMetrics } from '../subgraphs/shared/metrics.ts';
import { DEFAULT_JOBS_SETTINGS, type JobsModule, type JobsSettings, type RunningJobs } from '../subgraphs/shared/jobs.ts';
import { SUBGRAPH_MODULES } from '../subgraphs/modules.ts';
import { seedDeclarationsDemo } from '../subgraphs/declarations/seed.ts';
import { seedCheckinsDemo } from '../subgraphs/checkins/seed.ts';
import { seedTestingDemo } from '../subgraphs/testing/seed.ts';
import { seedVaccinationDemo } from '../subgraphs/vaccination/seed.ts';
import { seedUnitsDemo } from '../subgraphs/units/seed.ts';
import { checkinsJobs } from '../subgraphs/checkins/jobs/index.ts';
import type { CheckinsMaintenanceJobs } from '../subgraphs/checkins/jobs/maintenance.ts';
import { createTestingJobsModule, type RunningTestingJobs } from '../subgraphs/testing/jobs/index.ts';
import { createTracingJobsModule, type RunningTracingJobs } from '../subgraphs/tracing/jobs/index.ts';
import { provinceJobs } from '../subgraphs/province/jobs/index.ts';
import { vaccinationJobs } from '../subgraphs/vaccination/jobs/index.ts';
import { createAnalyticsJobsModule, type RunningAnalyticsJobs } from '../subgraphs/analytics/jobs/index.ts';
import { enqueueTracingRun, runJobOptions, TRACING_RUN_QUEUE, type RetryPolicy, type TracingRunJob } from '../subgraphs/tracing/jobs/tracing-run.queue.ts';
import { GraphClient } from '../subgraphs/shared/graph-client.ts';
import { DEV_CERTIFICATE_KEYS, type CertificateKeyConfig } from '../subgraphs/vaccination/certificates/keys.ts';
import { createQueueBackend, type QueueBackend } from '../subgraphs/shared/queues.ts';
import { seedTracingDemo } from '../subgraphs/tracing/seed.ts';
import { DEMO_CASE, DEMO_PROVINCE_CODES } from '../subgraphs/shared/demo.ts';
import { seedProvinceDemo } from '../subgraphs/province/seed.ts';
import { buildGateway, type GatewayService } from '../gateway/server.ts';
import type { Limits } from '../gateway/limits.ts';
import { ProvinceRegistry } from '../gateway/province-registry.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const NATIONAL_SUBGRAPHS = ['units', 'declarations', 'checkins', 'tracing', 'testing', 'vaccination', 'analytics'] as const;

export interface HubOptions {
  /** A PostgreSQL server URL (any database); each subgraph gets its own database on it. */
  postgresUrl: string;
  dbPrefix: string;
  secrets: { jwt: string; internalToken: string; nationalIdKey: string };
  /** The vaccination certificates' keys (default: the development key, as `secrets` are the development ones in tests). */
  certificateKeys?: CertificateKeyConfig;
  /** 'fixed': the documented ports (gateway 4000, 4001–4006, 4100 + province code); 'random': free ports (tests). */
  ports: 'fixed' | 'random';
  gatewayPort?: number;
  host?: string;
  provinceCodes: readonly string[];
  seedDemo: boolean;
  supergraphPath: string;
  production: boolean;
  subgraphTimeoutMs: number;
  provinceTimeoutMs: number;
  /**
   * The province registry file the gateway reads (and re-reads on change). With random ports the
   * launcher writes one listing the shards it started, in a temporary folder.
   */
  provinceRegistryFile?: string;
  maxBodyBytes: number;
  /** Gateway operation limits (LIMIT_* variables); missing ones take the defaults. */
  limits?: Partial<Limits>;
  /** Partners' registered operations (TRUSTED_DOCUMENTS_DIR); default config/trusted-documents. */
  trustedDocumentsDir?: string;
  logger: Logger;
  /** Redis for the job queues; without it they run on BullMQ's PostgreSQL backend on `postgresUrl`. */
  redisUrl?: string | undefined;
  /** Start the tracing workers (default true). */
  tracingWorkers?: boolean;
  /** Check-ins retention in days (default 21) and how often maintenance runs (default hourly). */
  retentionDays?: number;
  maintenanceEveryMs?: number;
  retry?: RetryPolicy;
  workerOptions?: { lockDuration?: number; stalledInterval?: number };
  /** Modules in place of the subgraphs' own (the trust benchmark's baseline, tests/bench/trust-off.ts). */
  modules?: Partial<Record<SubgraphName, SubgraphModule<any>>>;
  /**
   * Record metrics in this process (default true; the registry is the process's, labelled
   * service=hub). False only for the observability benchmark's baseline. Tracing is the process's
   * too: started by its entry point (scripts/start.ts) or a test before the hub.
   */
  metrics?: boolean;
  /** In production, the port /metrics is served on (0: a free one), as METRICS_PORT; unset: none. Elsewhere every server's own port serves it. */
  metricsPort?: number;
  /** Fault injection for tests: see TracingJobsOptions.beforeDelivery. */
  beforeTaskDelivery?: (caseId: string) => Promise<void>;
}

export interface RunningSubgraph {
  name: SubgraphName;
  provinceCode?: string;
  url: string;
  service: SubgraphService;
  database: Database<Record<string, unknown>>;
}

export interface Hub {
  gatewayUrl: string;
  /** In production with `metricsPort`: where /metrics is served. */
  metricsUrl?: string;
  queues: QueueBackend;
  maintenance: CheckinsMaintenanceJobs;
  /** The testing jobs: positive results judged against the confirmation rules. */
  testingJobs: RunningTestingJobs;
  /** The analytics jobs: domain events consumed into the daily rollups. */
  analyticsJobs: RunningAnalyticsJobs;
  tracing: RunningTracingJobs;
  provinceRegistryFile: string;
  gateway: GatewayService;
  subgraphs: RunningSubgraph[];
  /** Stops one subgraph (tests use it to take a service down while the rest keep running). */
  stopSubgraph(name: SubgraphName, provinceCode?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts every subgraph (own database each, migrated), seeds demo data if asked, then the gateway
 * and the background jobs: the same modules, configuration and jobs (subgraphs/<name>/jobs) that
 * the separate services and the worker process start, here in one process.
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const { logger } = options;
  const host = options.host ?? '127.0.0.1';
  const started: RunningSubgraph[] = [];
  // Before any database is opened: its statements are observed only when metrics (or tracing) are on.
  if (options.metrics !== false) startMetrics('hub');

  const queues = await createQueueBackend({ redisUrl: options.redisUrl, postgresServerUrl: options.postgresUrl, prefix: options.dbPrefix, logger });
  logger.info({ queues: queues.kind }, `job queues on ${queues.describe}`);
  let gatewayUrl = '';
  const graph = new GraphClient(() => gatewayUrl, options.secrets.jwt);
  const running: RunningJobs[] = [];
  const moduleOf = (name: SubgraphName) => options.modules?.[name] ?? SUBGRAPH_MODULES[name];

  async function startSubgraph(module: SubgraphModule<any>, provinceCode?: string): Promise<RunningSubgraph> {
    const config: SubgraphConfig = {
      nationalIdKey: options.secrets.nationalIdKey,
      ...(provinceCode ? { provinceCode } : {}),
      logger: logger.child({ subgraph: module.name, ...(provinceCode ? { province: provinceCode } : {}) }),
      ...(module.needs?.queues ? { queues } : {}),
      ...(module.needs?.graph ? { graph } : {}),
      ...(module.needs?.certificateKeys ? { certificateKeys: options.certificateKeys ?? DEV_CERTIFICATE_KEYS } : {}),
    };
    const database = await openSubgraphDatabase(
      options.postgresUrl,
      databaseName(options.dbPrefix, module.name, provinceCode),
      module.name,
      module.tables,
      module.connections,
    );
    await module.prepare?.(database.db);
    const service = await buildSubgraphService(module.build(database.db, config), {
      internalTokenSecret: options.secrets.internalToken,
      logger: config.logger,
      production: options.production,
      serverName: provinceCode ? `province-${provinceCode}` : module.name,
      probeDatabase: () => database.sql`select 1`,
    });
    const port =
      options.ports === 'random' ? 0 : module.name === 'province' ? provincePort(provinceCode ?? '') : NATIONAL_PORTS[module.name as keyof typeof NATIONAL_PORTS];
    const base = await service.listen(port, host);
    const entry: RunningSubgraph = { name: module.name, ...(provinceCode ? { provinceCode } : {}), url: `${base}/graphql`, service, database };
    started.push(entry);
    logger.info({ subgraph: module.name, province: provinceCode, url: entry.url }, 'subgraph listening');
    return entry;
  }

  const settings: JobsSettings = {
    ...DEFAULT_JOBS_SETTINGS,
    ...(options.retentionDays ? { retentionDays: options.retentionDays } : {}),
    ...(options.maintenanceEveryMs ? { maintenanceEveryMs: options.maintenanceEveryMs } : {}),
  };
  async function startJobs<T extends RunningJobs>(jobs: JobsModule<any, T>, subgraph: SubgraphName): Promise<T> {
    const instance = await jobs.start({ db: nationalDb(started, subgraph), queues, graph, logger: logger.child({ jobs: jobs.name }), settings });
    running.push(instance);
    return instance;
  }

  try {
    await Promise.all([
      ...NATIONAL_SUBGRAPHS.map((name) => startSubgraph(moduleOf(name))),
      ...options.provinceCodes.map((code) => startSubgraph(moduleOf('province'), code)),
    ]);
    if (options.seedDemo) {
      const dbOf = (name: SubgraphName, code?: string) => started.find((s) => s.name === name && s.provinceCode === code)!.database.db as never;
      await seedDemo(dbOf, options.provinceCodes, { nationalIdKey: options.secrets.nationalIdKey, logger });
    }
    // Workers start below, once the graph they call is up; jobs queued meanwhile simply wait.
    const tracing = await startJobs(
      createTracingJobsModule({
        workers: false,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.workerOptions ? { workerOptions: options.workerOptions } : {}),
        ...(options.beforeTaskDelivery ? { beforeDelivery: options.beforeTaskDelivery } : {}),
      }),
      'tracing',
    );
    const maintenance = await startJobs(checkinsJobs, 'checkins');
    // Positive results confirm cases through the graph: workers start with the tracing ones, below.
    const testing = await startJobs(createTestingJobsModule({ workers: false }), 'testing');
    const analytics = await startJobs(createAnalyticsJobsModule(), 'analytics');
    // Doses recorded, relayed to the analytics queue.
    await startJobs(vaccinationJobs, 'vaccination');
    // Each province shard relays its own outbox (tasks, facilities) to the analytics queue.
    for (const shard of started.filter((s) => s.name === 'province')) {
      running.push(await provinceJobs.start({ db: shard.database.db as never, queues, graph, logger: logger.child({ jobs: 'province', province: shard.provinceCode }), settings }));
    }
    // The demo case is traced like any other (a repeat at the next start is a no-op: job id = case id).
    if (options.seedDemo) await tracing.enqueueRun(DEMO_CASE.id);

    const byName = (name: SubgraphName) => started.find((s) => s.name === name && !s.provinceCode)?.url;
    const subgraphUrls: Record<string, string> = {};
    for (const name of NATIONAL_SUBGRAPHS) subgraphUrls[name] = byName(name) ?? '';
    // With random ports the launcher writes a registry listing the shards it started, and removes it on stop.
    const ownRegistry = options.provinceRegistryFile ? null : writeRegistry(started);
    const provinceRegistryFile = options.provinceRegistryFile ?? ownRegistry!;

    const gateway = await buildGateway({
      supergraphPath: options.supergraphPath,
      subgraphUrls,
      secrets: options.secrets,
      subgraphTimeoutMs: options.subgraphTimeoutMs,
      provinceRegistry: ProvinceRegistry.fromFile(provinceRegistryFile, logger.child({ service: 'gateway' })),
      provinceTimeoutMs: options.provinceTimeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      production: options.production,
      limits: options.limits ?? {},
      ...(options.trustedDocumentsDir ? { trustedDocumentsDir: options.trustedDocumentsDir } : {}),
      logger: logger.child({ service: 'gateway' }),
    });
    const gatewayBase = await gateway.listen(options.ports === 'random' ? 0 : (options.gatewayPort ?? 4000), host);
    gatewayUrl = `${gatewayBase}/graphql`;
    if (options.tracingWorkers !== false) {
      tracing.startWorkers();
      testing.startWorkers();
    }
    const metricsServer = options.production && options.metricsPort !== undefined ? createOpsServer({ '/metrics': metricsRoute }, logger) : undefined;
    const metricsUrl = metricsServer ? `${await listen(metricsServer, options.metricsPort ?? 0, host)}/metrics` : undefined;

    const stopOne = async (s: RunningSubgraph) => {
      await s.service.stop();
      await s.database.close();
    };
    return {
      gatewayUrl,
      ...(metricsUrl ? { metricsUrl } : {}),
      queues,
      maintenance,
      testingJobs: testing,
      analyticsJobs: analytics,
      tracing,
      provinceRegistryFile,
      gateway,
      subgraphs: started,
      stopSubgraph: async (name, provinceCode) => {
        const target = started.find((s) => s.name === name && s.provinceCode === provinceCode);
        if (target) await stopOne(target);
      },
      stop: async () => {
        if (metricsServer) await closeServer(metricsServer);
        for (const jobs of running.splice(0).reverse()) await jobs.close();
        await graph.close();
        await gateway.stop();
        await Promise.allSettled(started.map((s) => stopOne(s)));
        await queues.close();
        if (ownRegistry) rmSync(dirname(ownRegistry), { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const jobs of running.splice(0).reverse()) await jobs.close().catch(() => {});
    await graph.close();
    await Promise.allSettled(started.map(async (s) => { await s.service.stop(); await s.database.close(); }));
    await queues.close();
    throw error;
  }
}

/** Writes the demo data (`npm start`, `npm run start:services`) into each subgraph's database. */
export async function seedDemo(
  dbOf: (name: SubgraphName, provinceCode?: string) => never,
  provinceCodes: readonly string[],
  options: { nationalIdKey: string; logger: Logger },
): Promise<void> {
  const now = new Date();
  await seedUnitsDemo(dbOf('units'));
  await seedDeclarationsDemo(dbOf('declarations'), { nationalIdKey: options.nationalIdKey, logger: options.logger }, now);
  await seedCheckinsDemo(dbOf('checkins'), now);
  await seedTracingDemo(dbOf('tracing'), now);
  await seedTestingDemo(dbOf('testing'), now);
  await seedVaccinationDemo(dbOf('vaccination'), now);
  for (const code of provinceCodes) await seedProvinceDemo(dbOf('province', code), code);
  options.logger.info('demo data seeded');
}

/**
 * The demo data written straight into the databases of a hub whose services run as their own
 * processes (they have migrated them), and the demo case's run queued.
 */
export async function seedDemoOnServer(options: { postgresUrl: string; dbPrefix: string; redisUrl: string | undefined; nationalIdKey: string; logger: Logger }): Promise<void> {
  const wanted: Array<[SubgraphName, string | undefined]> = [['units', undefined], ['declarations', undefined], ['checkins', undefined], ['tracing', undefined], ['testing', undefined], ['vaccination', undefined], ...DEMO_PROVINCE_CODES.map((code): [SubgraphName, string] => ['province', code])];
  const opened = await Promise.all(
    wanted.map(async ([name, code]) => ({ name, code, database: await openSubgraphDatabase(options.postgresUrl, databaseName(options.dbPrefix, name, code), name, SUBGRAPH_MODULES[name].tables) })),
  );
  const queues = await createQueueBackend({ redisUrl: options.redisUrl, postgresServerUrl: options.postgresUrl, prefix: options.dbPrefix, logger: options.logger });
  const queue = queues.createQueue<TracingRunJob>(TRACING_RUN_QUEUE, runJobOptions);
  try {
    const dbOf = (name: SubgraphName, code?: string) => opened.find((o) => o.name === name && o.code === code)!.database.db as never;
    await seedDemo(dbOf, DEMO_PROVINCE_CODES, options);
    await enqueueTracingRun(queue, DEMO_CASE.id);
  } finally {
    await queue.close();
    await queues.close();
    await Promise.all(opened.map((o) => o.database.close()));
  }
}

function nationalDb(subgraphs: RunningSubgraph[], name: SubgraphName): never {
  const found = subgraphs.find((s) => s.name === name && !s.provinceCode);
  if (!found) throw new Error(`subgraph ${name} is not running`);
  return found.database.db as never;
}

function writeRegistry(subgraphs: RunningSubgraph[]): string {
  const provinces = Object.fromEntries(subgraphs.filter((s) => s.name === 'province').map((s) => [s.provinceCode!, s.url]));
  const file = join(mkdtempSync(join(tmpdir(), 'hub-registry-')), 'province-registry.json');
  writeFileSync(file, JSON.stringify({ provinces }, null, 2));
  return file;
}
