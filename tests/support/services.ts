import { randomBytes } from 'node:crypto';
import { inject, it } from 'vitest';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { databaseUrl, dropDatabase, openSubgraphDatabase, type Database } from '../../subgraphs/shared/db.ts';
import type { SubgraphModule } from '../../subgraphs/shared/module.ts';

// eslint-disable-next-line no-process-env -- the switch that turns a skip into a failure in CI
const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1';

/**
 * `describe.skipIf(!hasPostgres())`: a missing server skips with a printed notice, except under
 * REQUIRE_SERVICES=1 (CI), where it fails instead of passing quietly.
 */
export function postgresUrl(): string | null {
  const url = inject('postgresUrl');
  if (!url) {
    if (REQUIRE_SERVICES) throw new Error('REQUIRE_SERVICES=1 but no PostgreSQL server is available');
    console.warn('[tests] NOTICE: skipping database tests: no PostgreSQL server');
  }
  return url;
}

export function redisUrl(): string | null {
  const url = inject('redisUrl');
  if (!url) {
    if (REQUIRE_SERVICES) throw new Error('REQUIRE_SERVICES=1 but Redis is not available (set REDIS_URL)');
    console.warn('[tests] NOTICE: skipping Redis tests: REDIS_URL not set or not answering');
  }
  return url;
}

/** `it` that needs PostgreSQL: skipped with a notice when there is none (and REQUIRE_SERVICES is off). */
export const itWithPostgres = inject('postgresUrl') || REQUIRE_SERVICES ? it : it.skip;

export function uniquePrefix(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/g, '').slice(0, 12)}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase<TSchema extends Record<string, unknown>> extends Database<TSchema> {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A throwaway, migrated database for one subgraph; `drop()` removes it (FORCE) at the end of the file. */
export async function createTestDatabase<TSchema extends Record<string, unknown>>(
  module: SubgraphModule<TSchema>,
  label: string = module.name,
): Promise<TestDatabase<TSchema> & { db: PostgresJsDatabase<TSchema> }> {
  const server = postgresUrl();
  if (!server) throw new Error('no PostgreSQL server for this test');
  const name = uniquePrefix(label);
  const database = await openSubgraphDatabase(server, name, module.name, module.tables);
  return {
    ...database,
    name,
    url: databaseUrl(server, name),
    drop: async () => {
      await database.close();
      await dropDatabase(server, name);
    },
  };
}
