import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

/** Whether a `redis-server` binary is on the PATH. */
export const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

export interface RedisServer {
  url: string;
  /**
   * Stops the server (`SHUTDOWN`, which syncs the AOF, or SIGKILL, which syncs nothing) and starts
   * it again on the same port and data, once `whileDown` (if given) has finished.
   */
  restart(how: 'shutdown' | 'kill', whileDown?: () => Promise<unknown>): Promise<void>;
  /** Stops it for good and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own, persisting as production does (append-only file), with
 * every write fsynced before it is acknowledged so that even a SIGKILL loses nothing acknowledged.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child = started;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      started.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // Printed once the AOF is loaded: from here on the data is all there.
        if (output.includes('Ready to accept connections')) resolve();
      });
      started.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
      started.once('error', reject);
    });
  }

  async function halt(how: 'shutdown' | 'kill'): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    if (how === 'kill') running.kill('SIGKILL');
    else await sendShutdown(port);
    await exited;
  }

  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    restart: async (how, whileDown) => {
      await halt(how);
      await whileDown?.();
      await start();
    },
    stop: async () => {
      await halt('kill');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `SHUTDOWN` over a plain socket: the server closes the connection instead of answering. */
function sendShutdown(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('SHUTDOWN\r\n'));
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}
