import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { hubError } from '../subgraphs/shared/errors.ts';
import { currentRequestId } from '../subgraphs/shared/telemetry.ts';
import { InternalTokenIssuer, VerifiedTokenCache, verifyCallerToken, type Identity } from '../subgraphs/shared/identity.ts';

/** What every resolver-less step of the gateway (planning, data sources) knows about a request. */
export interface GatewayContext {
  identity: Identity;
  /** The gateway's own short-lived token for this request, sent to every subgraph. */
  internalToken: string;
  /** The id the HTTP layer gave the request (on its log lines too), sent to every subgraph. */
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
export function createAuthenticator(secrets: AuthSecrets): (req: IncomingMessage) => Promise<GatewayContext> {
  const callers = new VerifiedTokenCache((token) => verifyCallerToken(secrets.jwt, token));
  const issuer = new InternalTokenIssuer(secrets.internalToken);
  return async (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw hubError('UNAUTHENTICATED', 'Send a token: Authorization: Bearer <jwt>.');
    const identity = await callers.identityOf(match[1]);
    return { identity, internalToken: await issuer.tokenFor(identity), requestId: currentRequestId() ?? randomUUID() };
  };
}
