// Runs the declarations subgraph alone: `npx tsx subgraphs/declarations/index.ts`.
import { runSubgraph } from '../shared/run.ts';
import { declarationsModule } from './server.ts';

await runSubgraph(declarationsModule);
