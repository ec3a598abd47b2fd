import { buildExplorer } from '../../scripts/build-explorer.ts';

/**
 * Global setup: the explorer build that the gateway serves at /explorer/, once per run and before
 * any test file (npm test's pretest has usually done it already; a direct `vitest run` has not).
 */
export async function setup(): Promise<void> {
  await buildExplorer({ ifStale: true, quiet: true });
}
