// Runs the checkins subgraph alone: `npx tsx subgraphs/checkins/index.ts`.
import { runSubgraph } from '../shared/run.ts';
import { checkinsModule } from './server.ts';

await runSubgraph(checkinsModule);
