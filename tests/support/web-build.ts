import { buildWebApps } from '../../scripts/build-web.ts';

/**
 * Global setup: the browser apps the gateway serves (/explorer/, /dashboard/), built once per run
 * and before any test file (npm test's pretest has usually done it already; a direct `vitest run`
 * has not).
 */
export async function setup(): Promise<void> {
  await buildWebApps({ ifStale: true, quiet: true });
}
