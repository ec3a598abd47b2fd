import { defineConfig } from 'drizzle-kit';

// drizzle-kit generate only reads the schema file; it needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/analytics/db/schema.ts',
  out: './migrations/analytics',
  strict: true,
  verbose: true,
});
