import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { hubError } from '../subgraphs/shared/errors.ts';
import { signInternalToken, verifyCallerToken, type Identity } from '../subgraphs/shared/identity.ts';

/** What every resolver-less step of the gateway (planning, data sources) knows about a request. */
export interface GatewayContext {
  identity: Identity;
  /** The gateway's own short-lived token for this request, sent to every subgraph. */
  internalToken: string;
  requestId: string;
}

export interface AuthSecrets {
  jwt: string;
  internalToken: string;
}

/**
 * Verifies the caller's bearer token and signs the internal token subgraphs will trust.
 * Headers a client sends under the hub's internal prefix are never read here or forwarded.
 */
export async function authenticate(req: IncomingMessage, secrets: AuthSecrets): Promise<GatewayContext> {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw hubError('UNAUTHENTICATED', 'Send a token: Authorization: Bearer <jwt>.');
  const identity = await verifyCallerToken(secrets.jwt, match[1]);
  return { identity, internalToken: await signInternalToken(secrets.internalToken, identity), requestId: randomUUID() };
}
