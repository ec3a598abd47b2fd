import postgres from 'postgres';
import { afterAll, describe, expect } from 'vitest';
import { declarationsModule } from '../../subgraphs/declarations/server.ts';
import { databaseName, databaseUrl, dropDatabase } from '../../subgraphs/shared/db.ts';
import { parseEnv } from '../../subgraphs/shared/env.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { FEW_CONNECTIONS, type SubgraphModule } from '../../subgraphs/shared/module.ts';
import { ServiceResources } from '../../subgraphs/shared/run.ts';
import { tracingModule } from '../../subgraphs/tracing/server.ts';
import { provinceModule } from '../../subgraphs/province/server.ts';
import { checkinsModule } from '../../subgraphs/checkins/server.ts';
import { unitsModule } from '../../subgraphs/units/server.ts';
import { itWithPostgres, postgresUrl, uniquePrefix } from '../support/services.ts';

/**
 * A subgraph's pool opens at most its module's `connections` (shared/module.ts): the subgraphs of
 * short look-ups share FEW_CONNECTIONS, on which statements that arrive together are pipelined;
 * the others keep connect()'s ten. Opened the way a service process opens its database
 * (ServiceResources, shared/run.ts).
 */
describe("a subgraph's connections to its database", () => {
  const prefix = uniquePrefix('conns');
  const opened: string[] = [];
  afterAll(async () => {
    const server = postgresUrl();
    if (server) for (const name of opened) await dropDatabase(server, name);
  });

  /** The most backends the subgraph's pool had at once under 24 concurrent statements. */
  const backendsUnderLoad = async (module: SubgraphModule<any>): Promise<number> => {
    const server = postgresUrl()!;
    const resources = await ServiceResources.open(parseEnv({ DATABASE_URL: server, DB_PREFIX: prefix, NODE_ENV: 'test' }), createLogger('test', 'silent'));
    const name = databaseName(prefix, module.name);
    opened.push(name);
    const observer = postgres(databaseUrl(server, 'postgres'), { max: 1, onnotice: () => {} });
    try {
      const database = await resources.database(module);
      const statements = Promise.all(Array.from({ length: 24 }, () => database.sql`select pg_sleep(0.05)`));
      let most = 0;
      for (let i = 0; i < 10; i++) {
        const [row] = await observer`select count(*)::int as n from pg_stat_activity where datname = ${name} and backend_type = 'client backend'`;
        most = Math.max(most, row!.n as number);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await statements;
      return most;
    } finally {
      await resources.close();
      await observer.end();
    }
  };

  itWithPostgres('declarations, units, tracing and province open at most FEW_CONNECTIONS; checkins more', async () => {
    for (const module of [declarationsModule, unitsModule, tracingModule, provinceModule]) expect({ [module.name]: module.connections }).toEqual({ [module.name]: FEW_CONNECTIONS });
    const declarations = await backendsUnderLoad(declarationsModule);
    expect(declarations).toBeGreaterThan(1);
    expect(declarations).toBeLessThanOrEqual(FEW_CONNECTIONS);
    expect(await backendsUnderLoad(checkinsModule)).toBeGreaterThan(FEW_CONNECTIONS);
  });
});
