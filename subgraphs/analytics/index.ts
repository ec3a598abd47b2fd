// Runs the analytics subgraph alone: `npx tsx subgraphs/analytics/index.ts`.
import { runSubgraph } from '../shared/run.ts';
import { analyticsModule } from './server.ts';

await runSubgraph(analyticsModule);
