// The declarations subgraph as its own process for the trust-processes bench: as deployed
// (subgraphs/declarations/index.ts) with BENCH_TRUST=on, its baseline (trust-off.ts) with
// BENCH_TRUST=off. Both hubs run this same file, so both start alike: through tsx, or with
// `--dist` as JavaScript that the bench compiles beside the build (trust-processes.bench.ts).
import { runSubgraph } from '../../subgraphs/shared/run.ts';
import { declarationsModule } from '../../subgraphs/declarations/server.ts';
import { trustOff } from './trust-off.ts';

// eslint-disable-next-line no-process-env -- a benchmark's switch, read by no production entry point
const trust = process.env.BENCH_TRUST;
if (trust !== 'on' && trust !== 'off') throw new Error('BENCH_TRUST must be on or off');
await runSubgraph(trust === 'on' ? declarationsModule : trustOff(declarationsModule));
