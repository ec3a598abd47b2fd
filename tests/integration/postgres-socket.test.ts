import postgres from 'postgres';
import { describe, expect, inject } from 'vitest';
import { databaseUrl } from '../../subgraphs/shared/db.ts';
import { itWithPostgres, postgresUrl } from '../support/services.ts';

/**
 * A server on the same machine is reached through its Unix socket when the URL says so in libpq's
 * form, `?host=<socket directory>`: the embedded default's URL does (shared/postgres-server.ts).
 * postgres.js is patched to read that parameter (patches/postgres+3.4.9.patch); unpatched, it sends
 * `host` to the server as a connection parameter, and the server refuses the connection.
 */
describe('connecting through a Unix socket', () => {
  /** The server's first socket directory and port, asked over the configured URL. */
  const socketOf = async (url: string) => {
    const sql = postgres(databaseUrl(url, 'postgres'), { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`select split_part(current_setting('unix_socket_directories'), ',', 1) as dir, current_setting('port') as port`;
      return { dir: String(row!.dir).trim(), port: String(row!.port) };
    } finally {
      await sql.end();
    }
  };

  /** Where a connection of `url` ended up: no server address for a Unix socket; and its application name. */
  const reach = async (url: string) => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`select inet_server_addr() as address, current_setting('application_name') as app`;
      return { address: row!.address as string | null, app: row!.app as string };
    } finally {
      await sql.end();
    }
  };

  itWithPostgres('`?host=<directory>` connects through its socket, and the other URL parameters still reach the server', async () => {
    const server = postgresUrl()!;
    const { dir, port } = await socketOf(server);
    expect(dir.startsWith('/'), `the server has no Unix socket directory (${dir})`).toBe(true);
    const tcp = new URL(databaseUrl(server, 'postgres'));
    tcp.searchParams.delete('host');
    tcp.hostname = '127.0.0.1';
    tcp.port = port;
    tcp.searchParams.set('application_name', 'socket-test');
    expect(await reach(tcp.toString())).toEqual({ address: '127.0.0.1', app: 'socket-test' });

    const local = new URL(tcp);
    local.searchParams.set('host', dir);
    expect(await reach(local.toString())).toEqual({ address: null, app: 'socket-test' });
  });

  itWithPostgres("the embedded server's URL names its socket (the configured server's URL is used as given)", async () => {
    const server = postgresUrl()!;
    const { address } = await reach(databaseUrl(server, 'postgres'));
    if (inject('postgresKind') === 'embedded') {
      expect(new URL(server).searchParams.get('host')).toBe('/tmp');
      expect(address).toBeNull();
    } else {
      expect(address === null).toBe(new URL(server).searchParams.get('host')?.startsWith('/') ?? false);
    }
  });
});
