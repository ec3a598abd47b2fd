// Runs the province subgraph alone: `npx tsx subgraphs/province/index.ts` with PROVINCE_CODE=79.
import { runSubgraph } from '../shared/run.ts';
import { provinceModule } from './server.ts';

await runSubgraph(provinceModule);
