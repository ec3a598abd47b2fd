/**
 * npm run db:generate -- <subgraph> <migration_name> [--custom]
 * Runs drizzle-kit generate for one subgraph with a descriptive name (never a random one).
 */
import { spawnSync } from 'node:child_process';
import { SUBGRAPH_NAMES } from '../subgraphs/catalog.ts';

const [subgraph, name, ...rest] = process.argv.slice(2);
if (!subgraph || !SUBGRAPH_NAMES.includes(subgraph as never) || !name || !/^[a-z0-9_]+$/.test(name)) {
  console.error(`usage: npm run db:generate -- <${SUBGRAPH_NAMES.join('|')}> <snake_case_name> [--custom]`);
  process.exit(2);
}
const args = ['drizzle-kit', 'generate', `--config=migrations/drizzle.${subgraph}.config.ts`, `--name=${name}`, ...rest];
const result = spawnSync('npx', args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
