import { defineConfig } from 'drizzle-kit';

// drizzle-kit generate only reads the schema file; it needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/checkins/db/schema.ts',
  out: './migrations/checkins',
  strict: true,
  verbose: true,
});
