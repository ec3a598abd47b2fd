import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../hub/node-flags.ts';
import { dropDatabasesWithPrefix } from '../support/hub.ts';
import { postgresUrl, uniquePrefix } from '../support/services.ts';

const BUILT = existsSync('dist/subgraphs/units/index.js') && existsSync('dist/workers/index.js');
// eslint-disable-next-line no-process-env -- CI builds first (npm run build in .ci/run) and requires the build here
const REQUIRED = process.env.REQUIRE_BUILD === '1';
if (!BUILT && !REQUIRED) console.warn('[tests] NOTICE: skipping the production-build test: no dist/ (run npm run build)');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** The production build (npm run build) runs with plain node: no TypeScript loader at run time. */
describe.skipIf(!BUILT && !REQUIRED)('the production build', () => {
  it('a subgraph and the worker start from dist/ with plain node, answer /ready, and stop on SIGTERM with code 0', async () => {
    expect(BUILT, 'dist/ is missing: npm run build').toBe(true);
    const server = postgresUrl()!;
    const prefix = uniquePrefix('dist');
    try {
      for (const entry of ['dist/subgraphs/units/index.js', 'dist/workers/index.js']) {
        const port = await freePort();
        const child = spawn(process.execPath, [...NODE_FLAGS, entry], {
          env: { ...process.env, DATABASE_URL: server, DB_PREFIX: prefix, PORT: String(port), LOG_LEVEL: 'warn', REDIS_URL: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        await expect
          .poll(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.status, { timeout: 60_000, interval: 250 })
          .toBe(200);
        child.kill('SIGTERM');
        expect({ entry, code: await exited, output }).toEqual({ entry, code: 0, output: '' });
      }
    } finally {
      await dropDatabasesWithPrefix(server, prefix);
    }
  }, 120_000);
});
