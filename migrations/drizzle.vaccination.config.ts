import { defineConfig } from 'drizzle-kit';

// drizzle-kit generate only reads the schema file; it needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/vaccination/db/schema.ts',
  out: './migrations/vaccination',
  strict: true,
  verbose: true,
});
