import { defineConfig } from 'drizzle-kit';

// drizzle-kit generate only reads the schema file; it needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/tracing/db/schema.ts',
  out: './migrations/tracing',
  strict: true,
  verbose: true,
});
