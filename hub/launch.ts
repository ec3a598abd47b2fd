import { NATIONAL_PORTS, provincePort, type SubgraphName } from '../subgraphs/catalog.ts';
import { databaseName, openSubgraphDatabase, type Database } from '../subgraphs/shared/db.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import type { SubgraphConfig, SubgraphModule } from '../subgraphs/shared/module.ts';
import { buildSubgraphService, type SubgraphService } from '../subgraphs/shared/subgraph.ts';
import { unitsModule } from '../subgraphs/units/server.ts';
import { declarationsModule } from '../subgraphs/declarations/server.ts';
import { seedDeclarationsDemo } from '../subgraphs/declarations/seed.ts';
import { checkinsModule } from '../subgraphs/checkins/server.ts';
import { seedCheckinsDemo } from '../subgraphs/checkins/seed.ts';
import { createTracingModule } from '../subgraphs/tracing/server.ts';
import { createRepositories as tracingRepositories } from '../subgraphs/tracing/repositories/index.ts';
import { createTracingJobs, type TracingJobs } from '../subgraphs/tracing/jobs/tracing-run.worker.ts';
import type { RetryPolicy } from '../subgraphs/tracing/jobs/tracing-run.queue.ts';
import { GraphClient } from '../subgraphs/tracing/jobs/graph-client.ts';
import { createQueueBackend, type QueueBackend } from '../subgraphs/shared/queues.ts';
import { startCheckinsMaintenance, type CheckinsMaintenanceJobs } from '../subgraphs/checkins/jobs/maintenance.ts';
import { seedTracingDemo } from '../subgraphs/tracing/seed.ts';
import { provinceModule } from '../subgraphs/province/server.ts';
import { DEMO_CASE } from '../subgraphs/shared/demo.ts';
import { seedProvinceDemo } from '../subgraphs/province/seed.ts';
import { buildGateway, type GatewayService } from '../gateway/server.ts';
import type { Limits } from '../gateway/limits.ts';
import { ProvinceRegistry } from '../gateway/province-registry.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HubOptions {
  /** A PostgreSQL server URL (any database); each subgraph gets its own database on it. */
  postgresUrl: string;
  dbPrefix: string;
  secrets: { jwt: string; internalToken: string; nationalIdKey: string };
  /** 'fixed': the documented ports (gateway 4000, 4001–4004, 4100 + province code); 'random': free ports (tests). */
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
  /** Fault injection for tests: see TracingJobsOptions.beforeDelivery. */
  beforeTaskDelivery?: (caseId: string) => Promise<void>;
  /** Access policy and audit of personal data (default true); false only for the benchmark's baseline. */
  trust?: boolean;
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
  queues: QueueBackend;
  maintenance: CheckinsMaintenanceJobs;
  tracing: TracingJobs;
  provinceRegistryFile: string;
  gateway: GatewayService;
  subgraphs: RunningSubgraph[];
  /** Stops one subgraph (tests use it to take a service down while the rest keep running). */
  stopSubgraph(name: SubgraphName, provinceCode?: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts every subgraph (own database each, migrated), seeds demo data if asked, then the gateway and the tracing workers. */
export async function startHub(options: HubOptions): Promise<Hub> {
  const { logger } = options;
  const host = options.host ?? '127.0.0.1';
  const started: RunningSubgraph[] = [];

  const queues = await createQueueBackend({ redisUrl: options.redisUrl, postgresServerUrl: options.postgresUrl, prefix: options.dbPrefix, logger });
  logger.info({ queues: queues.kind }, `job queues on ${queues.describe}`);
  let gatewayUrl = '';
  const graph = new GraphClient(() => gatewayUrl, options.secrets.jwt);
  let tracing: TracingJobs | undefined;
  let stopMaintenance: (() => Promise<void>) | undefined;
  const tracingModule = createTracingModule({
    afterConfirm: (caseId) => {
      if (!tracing) throw new Error('the tracing queue is not ready');
      return tracing.enqueueRun(caseId);
    },
    personExists: async (personId) => {
      const data = await graph.mustQuery<{ people: Array<{ id: string } | null> }>('query($ids: [ID!]!) { people(ids: $ids) { id } }', { ids: [personId] });
      return data.people[0] != null;
    },
  });
  const NATIONAL: ReadonlyArray<SubgraphModule<any>> = [unitsModule, declarationsModule, checkinsModule, tracingModule];

  async function startSubgraph(module: SubgraphModule<any>, provinceCode?: string): Promise<RunningSubgraph> {
    const config: SubgraphConfig = {
      nationalIdKey: options.secrets.nationalIdKey,
      ...(provinceCode ? { provinceCode } : {}),
      ...(options.trust === false ? { trust: false } : {}),
      logger: logger.child({ subgraph: module.name, ...(provinceCode ? { province: provinceCode } : {}) }),
    };
    const database = await openSubgraphDatabase(
      options.postgresUrl,
      databaseName(options.dbPrefix, module.name, provinceCode),
      module.name,
      module.tables,
    );
    await module.prepare?.(database.db);
    const service = await buildSubgraphService(module.build(database.db, config), {
      internalTokenSecret: options.secrets.internalToken,
      logger: config.logger,
      production: options.production,
    });
    const port =
      options.ports === 'random' ? 0 : module.name === 'province' ? provincePort(provinceCode ?? '') : NATIONAL_PORTS[module.name as keyof typeof NATIONAL_PORTS];
    const base = await service.listen(port, host);
    const running: RunningSubgraph = { name: module.name, ...(provinceCode ? { provinceCode } : {}), url: `${base}/graphql`, service, database };
    started.push(running);
    logger.info({ subgraph: module.name, province: provinceCode, url: running.url }, 'subgraph listening');
    return running;
  }

  try {
    await Promise.all([
      ...NATIONAL.map((module) => startSubgraph(module)),
      ...options.provinceCodes.map((code) => startSubgraph(provinceModule, code)),
    ]);
    if (options.seedDemo) await seedDemo(started, options);
    tracing = createTracingJobs({
      backend: queues,
      repos: tracingRepositories(nationalDb(started, 'tracing')),
      graph,
      logger: logger.child({ service: 'tracing-worker' }),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.workerOptions ? { workerOptions: options.workerOptions } : {}),
      ...(options.beforeTaskDelivery ? { beforeDelivery: options.beforeTaskDelivery } : {}),
    });
    const maintenance = await startCheckinsMaintenance({
      backend: queues,
      db: nationalDb(started, 'checkins'),
      logger: logger.child({ service: 'checkins-maintenance' }),
      everyMs: options.maintenanceEveryMs ?? 3_600_000,
      maintenance: { retentionDays: options.retentionDays ?? 21 },
    });
    stopMaintenance = () => maintenance.close();
    // The demo case is traced like any other (a repeat at the next start is a no-op: job id = case id).
    if (options.seedDemo) await tracing.enqueueRun(DEMO_CASE.id);

    const byName = (name: SubgraphName) => started.find((s) => s.name === name && !s.provinceCode)?.url;
    const subgraphUrls: Record<string, string> = {};
    for (const name of ['units', 'declarations', 'checkins', 'tracing'] as const) subgraphUrls[name] = byName(name) ?? '';
    const provinceRegistryFile = options.provinceRegistryFile ?? writeRegistry(started);

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
    // Workers start once the graph they call is up; jobs queued meanwhile simply wait.
    if (options.tracingWorkers !== false) tracing.startWorkers();
    const jobs = tracing;

    const stopOne = async (s: RunningSubgraph) => {
      await s.service.stop();
      await s.database.close();
    };
    return {
      gatewayUrl,
      queues,
      maintenance,
      tracing: jobs,
      provinceRegistryFile,
      gateway,
      subgraphs: started,
      stopSubgraph: async (name, provinceCode) => {
        const target = started.find((s) => s.name === name && s.provinceCode === provinceCode);
        if (target) await stopOne(target);
      },
      stop: async () => {
        await maintenance.close();
        await jobs.close();
        await graph.close();
        await gateway.stop();
        await Promise.allSettled(started.map((s) => stopOne(s)));
        await queues.close();
      },
    };
  } catch (error) {
    await stopMaintenance?.();
    await tracing?.close();
    await graph.close();
    await Promise.allSettled(started.map(async (s) => { await s.service.stop(); await s.database.close(); }));
    await queues.close();
    throw error;
  }
}

async function seedDemo(subgraphs: RunningSubgraph[], options: HubOptions): Promise<void> {
  const now = new Date();
  const db = (name: SubgraphName) => nationalDb(subgraphs, name);
  await seedDeclarationsDemo(db('declarations'), { nationalIdKey: options.secrets.nationalIdKey, logger: options.logger }, now);
  await seedCheckinsDemo(db('checkins'), now);
  await seedTracingDemo(db('tracing'), now);
  for (const s of subgraphs.filter((s) => s.name === 'province')) await seedProvinceDemo(s.database.db as never, s.provinceCode!);
  options.logger.info('demo data seeded');
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
