// Runs the units subgraph alone: `npx tsx subgraphs/units/index.ts`.
import { runSubgraph } from '../shared/run.ts';
import { unitsModule } from './server.ts';

await runSubgraph(unitsModule);
