import postgres from 'postgres';
import { startHub, type Hub, type HubOptions } from '../../hub/launch.ts';
import { databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken, type CallerTokenInput } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { postgresUrl, uniquePrefix } from './services.ts';

export const TEST_SECRETS = {
  jwt: DEV_SECRETS.JWT_SECRET,
  internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET,
  nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY,
};

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  headers: Headers;
}

export interface TestHub {
  hub: Hub;
  url: string;
  token(input?: Partial<CallerTokenInput>): Promise<string>;
  /** POSTs a GraphQL operation to the gateway, as a national official unless a token is given. */
  query<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string | null; headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/**
 * The whole hub in this process on free ports, with its own databases (dropped on stop), as an
 * end-to-end test needs it. Same launcher as `npm start`.
 */
export async function startTestHub(overrides: Partial<HubOptions> = {}): Promise<TestHub> {
  const server = postgresUrl();
  if (!server) throw new Error('no PostgreSQL server for this test');
  const dbPrefix = uniquePrefix('hub');
  const hub = await startHub({
    postgresUrl: server,
    dbPrefix,
    secrets: TEST_SECRETS,
    ports: 'random',
    provinceCodes: ['01', '24', '79'],
    seedDemo: true,
    supergraphPath: SUPERGRAPH_FILE,
    production: false,
    subgraphTimeoutMs: 5_000,
    provinceTimeoutMs: 1_500,
    maxBodyBytes: 1_000_000,
    logger: createLogger('test-hub', 'silent'),
    // The queues run on BullMQ's PostgreSQL backend unless a test passes redisUrl.
    redisUrl: undefined,
    ...overrides,
  });
  const token = (input: Partial<CallerTokenInput> = {}) =>
    signCallerToken(TEST_SECRETS.jwt, { subject: 'test-official', role: 'national_official', ...input });
  const defaultToken = await token();

  return {
    hub,
    url: hub.gatewayUrl,
    token,
    async query(query, variables, options = {}) {
      const bearer = options.token === undefined ? defaultToken : options.token;
      const response = await fetch(hub.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: GraphQLResponse['errors'] };
      return { status: response.status, ...body, headers: response.headers };
    },
    async stop() {
      await hub.stop();
      await dropDatabasesWithPrefix(server, dbPrefix);
    },
  };
}

export async function dropDatabasesWithPrefix(server: string, prefix: string): Promise<void> {
  const sql = postgres(databaseUrl(server, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where datname like ${`${prefix}\\_%`}`;
    for (const { datname } of rows) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  } finally {
    await sql.end();
  }
}
