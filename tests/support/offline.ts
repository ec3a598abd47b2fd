import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The exit code and stderr mark of a process that tried the network under tests/support/no-network.ts. */
export const NO_NETWORK_EXIT_CODE = 97;
export const NO_NETWORK_MARK = 'NETWORK ATTEMPT:';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a TypeScript program as a process that cannot use a network: in a network namespace of
 * its own (no interface but a down loopback) where the machine allows one, and always with
 * no-network.ts preloaded, which ends it with NO_NETWORK_EXIT_CODE at its first attempt.
 */
export function runOffline(script: string, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const node = [process.execPath, '--import', 'tsx', '--import', fileURLToPath(new URL('./no-network.ts', import.meta.url)), script, ...args];
  const isolated = spawnSync('unshare', ['-rn', 'true']).status === 0;
  const [command, ...rest] = isolated ? ['unshare', '-rn', ...node] : node;
  const result = spawnSync(command!, rest, { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
