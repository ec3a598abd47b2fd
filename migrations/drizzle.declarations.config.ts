import { defineConfig } from 'drizzle-kit';

// drizzle-kit generate only reads the schema file; it needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/declarations/db/schema.ts',
  out: './migrations/declarations',
  strict: true,
  verbose: true,
});
