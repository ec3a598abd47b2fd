import { createServer } from 'node:net';
import { topology } from '../../hub/services.ts';
import { portOpen } from '../../subgraphs/shared/postgres-server.ts';

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port offset for `startServices` whose whole block is free: every port of the topology (the
 * documented ports plus the offset) and its METRICS_PORT (1000 above). A hub spans about 1,200
 * ports, so an offset derived from a pid collided with another test's or bench's hub running at
 * the same time (EADDRINUSE); a random offset whose ports are all checked does not, unless two
 * starts check the same block at the same instant.
 */
export async function freePortOffset(provinceCodes: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    // Every port below 32768, where Linux hands out no ephemeral ports: a client socket's local
    // port there would make a service fail to listen.
    const offset = 20_000 + Math.floor(Math.random() * 7_500);
    const ports = topology({ postgresUrl: 'postgres://x@127.0.0.1/x', dbPrefix: 'x', provinceCodes, portOffset: offset }, 'unused').services.flatMap((s) => [s.port, s.port + 1000]);
    const taken = await Promise.all(ports.map((port) => portOpen(port)));
    if (!taken.some(Boolean)) return offset;
  }
  throw new Error('no free block of ports');
}
