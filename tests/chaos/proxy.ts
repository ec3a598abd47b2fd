import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'slow' | 'cut';

export interface FaultProxy {
  port: number;
  /** pass: bytes go straight through; slow: every chunk toward the service waits `delayMs`; cut: as if off the network (connections held, nothing answered). */
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a province shard (the registry names the proxy, not the shard), which
 * makes the shard slow or takes it off the network without touching its process.
 */
export async function startFaultProxy(upstreamPort: number, delayMs = 5_000): Promise<FaultProxy> {
  let mode: ProxyMode = 'pass';
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    // Off the network: the connection is never answered (no RST, no FIN), the caller times out.
    if (mode === 'cut') return;
    const upstream = createConnection({ port: upstreamPort, host: '127.0.0.1' });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    // Order kept: each chunk is sent no earlier than the one before it.
    let lastAt = 0;
    client.on('data', (chunk) => {
      if (mode === 'cut') return;
      if (mode === 'pass' && lastAt <= Date.now()) return void upstream.write(chunk);
      const at = Math.max(lastAt, Date.now() + (mode === 'slow' ? delayMs : 0));
      lastAt = at;
      setTimeout(() => upstream.writable && upstream.write(chunk), at - Date.now());
    });
    upstream.on('data', (chunk) => {
      if (mode !== 'cut') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    setMode: (next) => {
      mode = next;
      // A cable pulled: the open connections go silent too (the peer learns nothing, as on a real network).
      if (next === 'cut') for (const socket of sockets) socket.pause();
      if (next === 'pass') for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
