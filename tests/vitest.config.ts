import { defineConfig } from 'vitest/config';

// Unit tests do no I/O; integration and e2e tests share one PostgreSQL server that the global
// setup resolves (DATABASE_URL, or an embedded server started for the run).
export default defineConfig({
  test: {
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/web-build.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run two at a time, each in its own databases.
    maxWorkers: 2,
    // @apollo/gateway probes cloud metadata addresses unless this is set (gateway/server.ts sets it
    // too); unit tests build ApolloGateway directly.
    env: { APOLLO_TELEMETRY_DISABLED: 'true' },
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/browser/**/*.test.ts'],
  },
});
