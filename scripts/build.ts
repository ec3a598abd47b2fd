/**
 * npm run build
 * The production build: every service as JavaScript in dist/, started with plain `node` (no
 * TypeScript loader at run time). tsc compiles (tsconfig.build.json rewrites the `.ts` imports to
 * `.js`); the files the code reads beside itself at run time (each subgraph's SDL, the migrations,
 * the composed supergraph, the config folder and the browser apps' builds) are copied to the same
 * relative places under dist/, so `import.meta.url`-relative paths resolve there as in the sources.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUBGRAPH_NAMES } from '../subgraphs/catalog.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

rmSync(DIST, { recursive: true, force: true });
run('npx', ['tsc', '-p', 'tsconfig.build.json']);
const copy = (from: string) => cpSync(join(ROOT, from), join(DIST, from), { recursive: true });
for (const name of SUBGRAPH_NAMES) copy(`subgraphs/${name}/schema.graphql`);
for (const name of SUBGRAPH_NAMES) copy(`migrations/${name}`);
copy('schema/supergraph.graphql');
copy('config');
run('npx', ['tsx', 'scripts/build-web.ts', '--if-stale']);
for (const app of ['explorer', 'dashboard']) if (existsSync(join(ROOT, `${app}/dist/index.html`))) copy(`${app}/dist`);
console.log(`Built into ${DIST}: start a service with node, e.g. node --min-semi-space-size=16 --max-semi-space-size=16 --heap-growing-percent=25 dist/gateway/index.js (hub/node-flags.ts has each service's flags)`);
