// Runs the tracing subgraph alone: `npx tsx subgraphs/tracing/index.ts`.
import { runSubgraph } from '../shared/run.ts';
import { tracingModule } from './server.ts';

await runSubgraph(tracingModule);
