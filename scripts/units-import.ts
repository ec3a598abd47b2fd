/**
 * npm run units:import -- FILE                               current structure (units-34-provinces.csv format)
 * npm run units:import -- --legacy FILE63 --mapping MAPPING  pre-2025 structure and old→new ward mapping
 * npm run units:import -- --population POPULATION          population per current ward and age group (README, "Vaccination")
 * Writes into the units database of DATABASE_URL's server, or of the embedded server (started if needed).
 */
import { readFileSync } from 'node:fs';
import { loadEnv } from '../subgraphs/shared/env.ts';
import { createLogger } from '../subgraphs/shared/logger.ts';
import { resolvePostgresServer } from '../subgraphs/shared/postgres-server.ts';
import { databaseName, openSubgraphDatabase } from '../subgraphs/shared/db.ts';
import { ImportError, importCurrentUnits, importLegacyUnits, importPopulation, parsePopulation, parseUnits, parseWardMapping } from '../subgraphs/units/import.ts';
import { UnitsRepository } from '../subgraphs/units/repositories/index.ts';
import { unitsModule } from '../subgraphs/units/server.ts';
import { parseArgs, stringFlag } from './args.ts';

const env = loadEnv();
const logger = createLogger('units-import', 'warn');
const { flags, positional } = parseArgs(process.argv.slice(2));
const current = positional[0];
const legacy = stringFlag(flags, 'legacy');
const mapping = stringFlag(flags, 'mapping');
const population = stringFlag(flags, 'population');
if (!current && !(legacy && mapping) && !population) {
  console.error('usage: npm run units:import -- FILE | --legacy UNITS63.csv --mapping WARD_MAPPING.csv | --population POPULATION.csv');
  process.exit(2);
}

const server = await resolvePostgresServer({ databaseUrl: env.postgres.url, embeddedDir: env.postgres.embeddedDir, embeddedPort: env.postgres.embeddedPort, logger });
const database = await openSubgraphDatabase(server.url, databaseName(env.postgres.prefix, 'units'), 'units', unitsModule.tables);
let exitCode = 0;
try {
  if (current) {
    const result = await importCurrentUnits(database.db, parseUnits(readFileSync(current, 'utf8'), 'current'));
    console.log(`Imported ${result.provinces} provinces and ${result.wards} wards from ${current}.`);
  }
  if (legacy && mapping) {
    const result = await importLegacyUnits(database.db, parseUnits(readFileSync(legacy, 'utf8'), 'legacy'), parseWardMapping(readFileSync(mapping, 'utf8')));
    console.log(`Imported ${result.legacyUnits} pre-2025 units and ${result.successors} ward mappings.`);
  }
  if (population) {
    const result = await importPopulation(database.db, parsePopulation(readFileSync(population, 'utf8')));
    console.log(`Imported ${result.rows} population figures for ${result.wards} wards.`);
  }
  console.log('Totals now:', await new UnitsRepository(database.db).counts());
} catch (error) {
  if (!(error instanceof ImportError)) throw error;
  console.error(error.message);
  exitCode = 1;
} finally {
  await database.close();
  await server.stop();
}
process.exit(exitCode);
