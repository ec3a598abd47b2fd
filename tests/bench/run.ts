/**
 * npm run bench [-- name [args…]]: runs every tests/bench/*.bench.ts (or the one named `name`, else those whose name contains it)
 * one after another, each in its own process, so one benchmark's load does not skew the next.
 * npm run bench -- --smoke: every benchmark at its smoke size (SMOKE_ARGS), as CI runs them so that
 * none can rot; the figures of a smoke run mean nothing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../hub/node-flags.ts';

/** Built (`npm run build`, as CI does before the benches): the smoke run then also starts services from dist/ where a bench can. */
const built = existsSync(fileURLToPath(new URL('../../dist/gateway/index.js', import.meta.url)));

/** Each benchmark's arguments at smoke size: small data, one short round. A new benchmark adds its own. */
const SMOKE_ARGS: Record<string, string[]> = {
  'analytics.bench.ts': ['0.001', '2'],
  'certificates.bench.ts': ['200', '1000', '1', '4'],
  'checkins-scale.bench.ts': ['50000'],
  'ingest.bench.ts': ['20000', '5000', '1'],
  'observability.bench.ts': ['1', '1', '4'],
  'province-fanout.bench.ts': ['10'],
  'reads.bench.ts': ['1', '4', '2'],
  'tracing.bench.ts': ['50000'],
  'transmission-chain.bench.ts': ['100', '1000', '10'],
  'testing-ingest.bench.ts': ['10000', '5000', '1'],
  'testing-references.bench.ts': ['2', '1000'],
  'testing-day.bench.ts': ['500', '5000', '5000', '3'],
  'testing-loop.bench.ts': ['20000', '2'],
  'trust.bench.ts': ['0.5', '4', '2', '4'],
  'trust-processes.bench.ts': ['0.5', '1', '4', '2', '--rate=50', '--warm-up=0.5', ...(built ? ['--dist'] : [])],
  'vaccination-coverage.bench.ts': ['30000', '20'],
  'vaccination-ingest.bench.ts': ['10000', '5000', '1'],
};

const dir = fileURLToPath(new URL('.', import.meta.url));
const smoke = process.argv[2] === '--smoke';
const filter = smoke ? '' : (process.argv[2] ?? '');
// Anything after the name goes to the benchmark itself (e.g. a data size).
const extra = process.argv.slice(3);
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
// A name that is a benchmark's whole name runs that one (`trust`, not also `trust-processes`).
const files = benches.includes(`${filter}.bench.ts`) ? [`${filter}.bench.ts`] : benches.filter((f) => f.includes(filter));
const missing = smoke ? files.filter((f) => !SMOKE_ARGS[f]) : [];
if (missing.length) {
  console.error(`no smoke size for ${missing.join(', ')}: add it to SMOKE_ARGS in tests/bench/run.ts`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  // Libraries measured as deployed: graphql-js, for one, checks every failed type test for a second
  // copy of itself unless NODE_ENV=production (a quarter of a 5,000-row batch's coercion, profiled).
  // The hub's own configuration is the bench's (dev secrets, `production: false`), not read from it.
  // The hub's V8 flags (hub/node-flags.ts), as `npm start` runs it.
  const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' };
  const result = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', `${dir}${file}`, ...(smoke ? SMOKE_ARGS[file]! : extra)], { stdio: 'inherit', env });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
