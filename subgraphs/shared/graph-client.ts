import { Agent, request } from 'undici';
import { signCallerToken } from './identity.ts';

export interface GraphError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; province?: string };
}

export interface GraphResult<T> {
  data: T | null;
  errors: GraphError[];
}

export class GraphUnavailableError extends Error {}

/**
 * A service's way to the rest of the hub (the tracing worker's look-ups, the tracing subgraph's
 * check that a person exists): through the gateway, with a `service` identity, like any other
 * client (so routing, authorisation and audit apply to it too).
 */
export class GraphClient {
  private token: { value: string; renewAt: number } | undefined;
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

  constructor(
    /** The gateway's /graphql URL; a function because the gateway starts after the tracing subgraph. */
    private readonly url: () => string,
    private readonly jwtSecret: string,
    private readonly caller: { subject: string; purpose: string } = { subject: 'tracing-worker', purpose: 'contact-tracing' },
  ) {}

  async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<GraphResult<T>> {
    let response;
    try {
      response = await request(this.url(), {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.serviceToken()}` },
        body: JSON.stringify({ query, variables }),
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
    } catch (error) {
      throw new GraphUnavailableError(`the gateway did not answer: ${(error as Error).message}`);
    }
    const body = (await response.body.json()) as { data?: T | null; errors?: GraphError[] };
    if (response.statusCode >= 500 || (response.statusCode >= 400 && !body.data)) {
      throw new GraphUnavailableError(`the gateway answered ${response.statusCode}: ${body.errors?.[0]?.message ?? ''}`);
    }
    return { data: body.data ?? null, errors: body.errors ?? [] };
  }

  /** A query whose every error is fatal for this attempt (the job retries). */
  async mustQuery<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await this.query<T>(query, variables);
    if (result.errors.length || !result.data) throw new GraphUnavailableError(`graph error: ${result.errors[0]?.message ?? 'no data'}`);
    return result.data;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async serviceToken(): Promise<string> {
    if (!this.token || this.token.renewAt < Date.now()) {
      const value = await signCallerToken(this.jwtSecret, { subject: this.caller.subject, role: 'service', purpose: this.caller.purpose, expiresIn: '10m' });
      this.token = { value, renewAt: Date.now() + 5 * 60_000 };
    }
    return this.token.value;
  }
}
