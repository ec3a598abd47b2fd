// Runs the testing subgraph alone: `npx tsx subgraphs/testing/index.ts`.
import { runSubgraph } from '../shared/run.ts';
import { testingModule } from './server.ts';

await runSubgraph(testingModule);
