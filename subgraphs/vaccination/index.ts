// Runs the vaccination subgraph alone: `npx tsx subgraphs/vaccination/index.ts`.
import { runSubgraph } from '../shared/run.ts';
import { vaccinationModule } from './server.ts';

await runSubgraph(vaccinationModule);
