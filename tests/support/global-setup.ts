import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { parseEnv } from '../../subgraphs/shared/env.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { portOpen, resolvePostgresServer, type PostgresServer } from '../../subgraphs/shared/postgres-server.ts';
import { freePort } from './ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
    postgresKind: string;
    redisUrl: string | null;
  }
}

let server: PostgresServer | undefined;
let dataDir: string | undefined;

/** Resolves the PostgreSQL server and Redis for the whole run, and says which. */
export async function setup(project: TestProject): Promise<void> {
  // eslint-disable-next-line no-process-env -- test harness reads the same variables as the hub
  const env = parseEnv({ ...process.env, NODE_ENV: 'test' });
  const logger = createLogger('tests', 'warn');
  try {
    if (env.postgres.url) {
      server = await resolvePostgresServer({ databaseUrl: env.postgres.url, embeddedDir: '', embeddedPort: 0, logger });
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'hub-test-pg-'));
      server = await resolvePostgresServer({ databaseUrl: undefined, embeddedDir: dataDir, embeddedPort: await freePort(), logger });
    }
    project.provide('postgresUrl', server.url);
    project.provide('postgresKind', server.kind);
    console.log(`[tests] PostgreSQL: ${server.kind} server`);
  } catch (error) {
    console.warn(`[tests] NOTICE: no PostgreSQL server could be used (${String(error)}); database tests will be skipped.`);
    project.provide('postgresUrl', null);
    project.provide('postgresKind', 'none');
  }

  let redisUrl: string | null = null;
  if (env.redisUrl) {
    const url = new URL(env.redisUrl);
    if (await portOpen(Number(url.port || 6379), url.hostname)) redisUrl = env.redisUrl;
    else console.warn(`[tests] NOTICE: REDIS_URL=${env.redisUrl} does not answer; Redis tests will be skipped.`);
  } else {
    console.warn('[tests] NOTICE: REDIS_URL is not set; Redis-only tests will be skipped.');
  }
  project.provide('redisUrl', redisUrl);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
