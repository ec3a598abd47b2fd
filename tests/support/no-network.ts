// Preloaded (`node --import tsx --import ./tests/support/no-network.ts …`, see offline.ts's runOffline) into a program that must
// work offline: any attempt to open a socket, listen or resolve a name ends the process with
// NO_NETWORK_EXIT_CODE and says what was tried, so a test sees it even if the attempt would fail anyway.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { NO_NETWORK_EXIT_CODE, NO_NETWORK_MARK } from './offline.ts';

function refuse(what: string): never {
  process.stderr.write(`${NO_NETWORK_MARK} ${what}\n`);
  process.exit(NO_NETWORK_EXIT_CODE);
}

net.Socket.prototype.connect = function connect() {
  refuse('net.Socket.connect');
} as never;
net.Server.prototype.listen = function listen() {
  refuse('net.Server.listen');
} as never;
dgram.createSocket = (() => refuse('dgram.createSocket')) as never;
dns.lookup = (() => refuse('dns.lookup')) as never;
dns.promises.lookup = (() => refuse('dns.promises.lookup')) as never;
