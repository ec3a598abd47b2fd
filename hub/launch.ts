import { NATIONAL_PORTS, provincePort, type SubgraphName } from '../subgraphs/catalog.ts';
import { databaseName, openSubgraphDatabase, type Database } from '../subgraphs/shared/db.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import type { SubgraphConfig, SubgraphModule } from '../subgraphs/shared/module.ts';
import { buildSubgraphService, type SubgraphService } from '../subgraphs/shared/subgraph.ts';
import { unitsModule } from '../subgraphs/units/server.ts';
import { UnitsRepository } from '../subgraphs/units/repository.ts';
import { declarationsModule } from '../subgraphs/declarations/server.ts';
import { seedDeclarationsDemo } from '../subgraphs/declarations/seed.ts';
import { checkinsModule } from '../subgraphs/checkins/server.ts';
import { seedCheckinsDemo } from '../subgraphs/checkins/seed.ts';
import { tracingModule } from '../subgraphs/tracing/server.ts';
import { seedTracingDemo } from '../subgraphs/tracing/seed.ts';
import { provinceModule } from '../subgraphs/province/server.ts';
import { seedProvinceDemo } from '../subgraphs/province/seed.ts';
import { buildGateway, type GatewayService } from '../gateway/server.ts';

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
  maxBodyBytes: number;
  logger: Logger;
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
  gateway: GatewayService;
  subgraphs: RunningSubgraph[];
  /** Stops one subgraph (tests use it to take a service down while the rest keep running). */
  stopSubgraph(name: SubgraphName, provinceCode?: string): Promise<void>;
  stop(): Promise<void>;
}

const NATIONAL: ReadonlyArray<SubgraphModule<any>> = [unitsModule, declarationsModule, checkinsModule, tracingModule];

/** Starts every subgraph (own database each, migrated), seeds demo data if asked, then the gateway. */
export async function startHub(options: HubOptions): Promise<Hub> {
  const { logger } = options;
  const host = options.host ?? '127.0.0.1';
  const started: RunningSubgraph[] = [];

  async function startSubgraph(module: SubgraphModule<any>, provinceCode?: string): Promise<RunningSubgraph> {
    const config: SubgraphConfig = {
      nationalIdKey: options.secrets.nationalIdKey,
      ...(provinceCode ? { provinceCode } : {}),
      logger: logger.child({ subgraph: module.name, ...(provinceCode ? { province: provinceCode } : {}) }),
    };
    const database = await openSubgraphDatabase(
      options.postgresUrl,
      databaseName(options.dbPrefix, module.name, provinceCode),
      module.name,
      module.tables,
    );
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
    // The 34 provinces are reference data every hub needs, demo or not.
    await new UnitsRepository(nationalDb(started, 'units')).seedDirectory();
    if (options.seedDemo) await seedDemo(started, options);

    const byName = (name: SubgraphName) => started.find((s) => s.name === name && !s.provinceCode)?.url;
    const subgraphUrls: Record<string, string> = {};
    for (const name of ['units', 'declarations', 'checkins', 'tracing'] as const) subgraphUrls[name] = byName(name) ?? '';
    // One province deployment for now; routing across many provinces is the province router's job.
    const firstProvince = started.find((s) => s.name === 'province');
    if (firstProvince) subgraphUrls.province = firstProvince.url;

    const gateway = await buildGateway({
      supergraphPath: options.supergraphPath,
      subgraphUrls,
      secrets: options.secrets,
      subgraphTimeoutMs: options.subgraphTimeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      production: options.production,
      logger: logger.child({ service: 'gateway' }),
    });
    const gatewayBase = await gateway.listen(options.ports === 'random' ? 0 : (options.gatewayPort ?? 4000), host);

    const stopOne = async (s: RunningSubgraph) => {
      await s.service.stop();
      await s.database.close();
    };
    return {
      gatewayUrl: `${gatewayBase}/graphql`,
      gateway,
      subgraphs: started,
      stopSubgraph: async (name, provinceCode) => {
        const target = started.find((s) => s.name === name && s.provinceCode === provinceCode);
        if (target) await stopOne(target);
      },
      stop: async () => {
        await gateway.stop();
        await Promise.allSettled(started.map((s) => stopOne(s)));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map(async (s) => { await s.service.stop(); await s.database.close(); }));
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
