import { defineConfig } from 'drizzle-kit';

// drizzle-kit generate only reads the schema file; it needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/testing/db/schema.ts',
  out: './migrations/testing',
  strict: true,
  verbose: true,
});
