/**
 * What a caller is told when a resolver fails without a coded error: a dependency that is down is
 * SERVICE_UNAVAILABLE (retry shortly), anything else an internal error whose details stay in the
 * log. Shared by the subgraphs and the gateway, and free of database drivers so that the gateway
 * does not load them.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCodes } from './errors.ts';
import { GraphUnavailableError } from './graph-client.ts';
import type { Logger } from './logger.ts';

// Not CONNECTION_ENDED or CONNECTION_DESTROYED: those mean this process ended its own pool (a bug or
// a shutdown under way), not that the database went away; they stay internal errors.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT']);

/**
 * Whether an error (or its cause: drizzle wraps postgres.js's) means the database could not be
 * reached or went away: a refused or lost connection, a connect timeout, a server shutting down
 * or starting up (SQLSTATE class 57P and 08), or out of connections (53300). Not a bug: the
 * same request may succeed shortly.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('57P') || code.startsWith('08') || code === '53300') return true;
  }
  return false;
}

/**
 * Whether a statement failed on text PostgreSQL cannot hold: the NUL character (U+0000) in a text
 * value (22021) or in JSON (22P05). The hub writes no such text itself; it came from the caller.
 */
export function isUnstorableText(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === '22021' || e.code === '22P05') return true;
  }
  return false;
}

function originalCode(error: unknown): unknown {
  return (error as { originalError?: { extensions?: { code?: unknown } } } | null)?.originalError?.extensions?.code;
}

export const SERVICE_UNAVAILABLE_MESSAGE = 'This service could not reach its database or a service it needs. Try again shortly.';

/**
 * Errors carrying a code from the catalogue pass through; an unreachable database or graph is
 * SERVICE_UNAVAILABLE (the caller may retry); anything else is a bug, so its
 * message (which may hold SQL or personal data) goes to the log, not to the caller.
 */
export function maskUnexpected(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code in ErrorCodes && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  // A literal one of the hub's scalars refused (a DateTime of "xxx"): graphql-js reports the
  // scalar's BAD_USER_INPUT while validating and Apollo relabels it. The gateway cannot check such
  // literals (the supergraph's scalars take anything), so the subgraph's verdict is the caller's.
  if (code === 'GRAPHQL_VALIDATION_FAILED' && originalCode(error) === 'BAD_USER_INPUT') return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
  if (typeof code === 'string' && !(code in ErrorCodes)) return formatted; // Apollo's own validation codes
  const cause = unwrapResolverError(error);
  if (isUnstorableText(cause)) {
    return { message: 'Text must not contain the NUL character (U+0000).', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'BAD_USER_INPUT' } };
  }
  if (isDatabaseUnavailable(cause) || cause instanceof GraphUnavailableError) {
    logger.warn({ err: cause, path: formatted.path }, 'a dependency is unavailable');
    return { message: SERVICE_UNAVAILABLE_MESSAGE, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  logger.error({ err: cause, path: formatted.path }, 'unexpected resolver error');
  return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
