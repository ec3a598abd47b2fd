import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay to a test database's PostgreSQL that a test can cut: `refuse` (the server is down:
 * connections refused), `blackhole` (the host is unreachable: connections accepted, never
 * answered), and open again (`pass`).
 */
export class PostgresRelay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private mode: 'pass' | 'blackhole' = 'pass';
  private readonly target: { host: string; port: number };
  port = 0;

  constructor(private readonly databaseUrl: string) {
    const url = new URL(databaseUrl);
    this.target = { host: url.hostname, port: Number(url.port || 5432) };
  }

  /** The database's URL through the relay: its TCP port, never the Unix socket the URL may name (`host`). */
  get url(): string {
    const through = new URL(this.databaseUrl);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    through.searchParams.delete('host');
    return through.toString();
  }

  async open(mode: 'pass' | 'blackhole' = 'pass'): Promise<void> {
    this.mode = mode;
    if (this.server) return;
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => {});
      if (this.mode === 'blackhole') return;
      const upstream = tcpConnect(this.target.port, this.target.host);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => {});
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  /** Drops every connection; `refuse` also stops listening. */
  async cut(then: 'refuse' | 'blackhole'): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (then === 'blackhole') return void (this.mode = 'blackhole');
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}
