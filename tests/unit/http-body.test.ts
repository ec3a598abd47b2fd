import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, createGraphQLHttpServer, listen, type PreparedRequest } from '../../subgraphs/shared/http.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';

/**
 * The body reader of the gateway's and every subgraph's HTTP server (shared/http.ts), on a real
 * server and real sockets: what the responder is given, and what becomes of a body that is too
 * large or cut short.
 */
describe('reading a GraphQL request body', () => {
  let stop = async () => {};
  afterEach(() => stop());

  async function start(maxBodyBytes = 1_000) {
    const logged: Array<Record<string, any>> = [];
    const sink = new Writable({ write: (line, _, done) => (logged.push(JSON.parse(String(line))), done()) });
    const bodies: unknown[] = [];
    const server = createGraphQLHttpServer({
      maxBodyBytes,
      logger: createLogger('test', 'error', sink),
      context: async () => ({}),
      respond: async (request: PreparedRequest) => {
        bodies.push(request.body);
        return { status: 200, headers: [['content-type', 'application/json']], body: '{"data":{"ok":true}}' };
      },
    });
    const url = await listen(server, 0);
    stop = () => closeServer(server, 100);
    return { url: `${url}/graphql`, port: Number(new URL(url).port), bodies, logged };
  }

  it('hands the parsed JSON over, a character split between chunks included', async () => {
    const { port, bodies } = await start();
    const body = Buffer.from(JSON.stringify({ query: '{ ok }', variables: { name: 'Nguyễn Thị Hồng' } }));
    const split = body.indexOf(Buffer.from('ễ')) + 1; // inside the three bytes of ễ
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
        socket.write(body.subarray(0, split));
        setTimeout(() => socket.end(body.subarray(split)), 20);
      });
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text)).on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(bodies).toEqual([{ query: '{ ok }', variables: { name: 'Nguyễn Thị Hồng' } }]);
  });

  it('refuses a body over the limit with 413, sent in chunks without a length', async () => {
    const { url, bodies } = await start(1_000);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Blob([`{"query":"${' '.repeat(5_000)}"}`]).stream(), duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(bodies).toEqual([]);
  });

  it('a body cut short by the client ends its request with an error (nothing waits for it), and the server goes on', async () => {
    const { url, port, bodies, logged } = await start();
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"query":"{ o');
        setTimeout(() => (socket.destroy(), resolve()), 20);
      });
    });
    // The request's handler ends with the client's reset (or a premature close), not never.
    await expect.poll(() => logged.filter((l) => l.msg === 'unhandled HTTP error').map((l) => l.err?.code)).toEqual([expect.stringMatching(/^(ECONNRESET|ERR_STREAM_PREMATURE_CLOSE)$/)]);
    expect(bodies).toEqual([]);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' });
    expect(response.status).toBe(200);
    expect(bodies).toEqual([{ query: '{ ok }' }]);
  });
});
