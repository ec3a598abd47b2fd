import type { Agent } from 'undici';
import type { Route } from '../subgraphs/shared/http.ts';
import { sendJson } from '../subgraphs/shared/http.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';

/**
 * What certificate verifiers download while online, public and cacheable: the certificate keys
 * (`/.well-known/jwks.json`, public members only) and the revoked certificate ids
 * (`/.well-known/certificate-revocations.json`). Both come from the vaccination subgraph, which
 * alone holds the keys; the gateway relays the answer with its cache headers and nothing else, so
 * a private key never passes through it.
 */
export const WELL_KNOWN_PATHS = ['/.well-known/jwks.json', '/.well-known/certificate-revocations.json'] as const;

export function wellKnownRoutes(options: {
  /** The vaccination subgraph's GraphQL URL, once known (the gateway learns it when it loads the supergraph). */
  vaccinationUrl: () => string | undefined;
  agent: Agent;
  timeoutMs: number;
  logger: Logger;
}): Record<string, Route> {
  const relay =
    (path: string): Route =>
    async (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const base = options.vaccinationUrl();
      if (!base) return sendJson(res, 503, { error: 'the vaccination subgraph is not configured' });
      const target = new URL(path, base);
      try {
        const answer = await options.agent.request({ origin: target.origin, path: target.pathname, method: 'GET', headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
        const body = await answer.body.text();
        const pass = (name: string) => (typeof answer.headers[name] === 'string' ? { [name]: answer.headers[name] as string } : {});
        res
          .writeHead(answer.statusCode, {
            'content-type': 'application/json; charset=utf-8',
            ...pass('cache-control'),
            ...pass('etag'),
            ...pass('last-modified'),
            'access-control-allow-origin': '*',
          })
          .end(req.method === 'HEAD' ? undefined : body);
      } catch (error) {
        options.logger.warn({ err: error, path }, 'the vaccination subgraph did not answer a well-known request');
        sendJson(res, 503, { error: 'the vaccination subgraph is unavailable' });
      }
    };
  return Object.fromEntries(WELL_KNOWN_PATHS.map((path) => [path, relay(path)]));
}
