import { createServer, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface FakeRequest {
  /** `/graphql` or `/health`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: { query?: string; variables?: Record<string, unknown> };
  /** performance.now() when the request arrived, and when its answer was written. */
  arrivedAt: number;
  finishedAt?: number;
}

export type FakeAnswer = { status?: number; contentType?: string; body: unknown };

export interface FakeSubgraph {
  /** The GraphQL endpoint (`…/graphql`); `/health` on the same origin answers 200. */
  url: string;
  /** Every request, in arrival order. */
  requests: FakeRequest[];
  graphqlRequests(): FakeRequest[];
  healthChecks(): number;
  /** /health answers 503 while down. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * A stand-in for a subgraph or a province shard on a free local port: it records what arrives
 * and when, and answers GraphQL POSTs with `answer` (default `{ data: {} }`).
 */
export async function startFakeSubgraph(answer: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer> = () => ({ body: { data: {} } })): Promise<FakeSubgraph> {
  const requests: FakeRequest[] = [];
  let down = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const text = Buffer.concat(chunks).toString('utf8');
      const request: FakeRequest = { path, headers: req.headers, body: text ? (JSON.parse(text) as FakeRequest['body']) : {}, arrivedAt: performance.now() };
      requests.push(request);
      const { status = 200, contentType = 'application/json', body } =
        path === '/health' ? { status: down ? 503 : 200, body: { status: down ? 'down' : 'ok' } } : await answer(request);
      res.writeHead(status, { 'content-type': contentType });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
      request.finishedAt = performance.now();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    graphqlRequests: () => requests.filter((r) => r.path !== '/health'),
    healthChecks: () => requests.filter((r) => r.path === '/health').length,
    setDown: (value) => {
      down = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
