import type { GraphQLFormattedError } from '../../subgraphs/shared/graphql.ts';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCodes, type ErrorCode } from '../../subgraphs/shared/errors.ts';
import type { Logger } from '../../subgraphs/shared/logger.ts';
import { maskUnexpected } from '../../subgraphs/shared/error-masking.ts';
import { LIMIT_MESSAGES } from './shape.ts';

/** graphql-js' parser limit message names the limit ("Document contains more than 2000 tokens"). */
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:an|at) \d+ tokens/; // graphql 16.15 says "more that"
/** graphql-js suggestions: `Did you mean "name"?`, `Did you mean the enum value "OPEN"?`. */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** Codes whose messages are written for the caller (they describe the caller's own request). */
const CALLER_MESSAGE_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'WRONG_PROVINCE',
]);
/** Extensions a caller may still see in production. */
const CALLER_EXTENSIONS = ['province', 'subgraph', 'argument'] as const;

export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/** Where an error arose, as the hardening plugin saw it; keyed by the error object. */
export interface ErrorOrigin {
  requestId: string;
  /** Raised while the operation ran (subgraphs, gateway execution), not while it was parsed or checked. */
  execution: boolean;
}

export interface FormatOptions {
  production: boolean;
  logger: Logger;
  origins: WeakMap<object, ErrorOrigin>;
}

/**
 * The gateway's `formatError`. Always: the token limit's message without its number. In
 * production: no "Did you mean …" anywhere (validation and variable coercion alike), and errors
 * raised while the operation ran reduced to a code, the request id and, for codes whose
 * messages describe the caller's own request, that message; everything else about them (subgraph
 * messages and URLs, service names) goes to the log under the same request id, except that an
 * unavailable province or subgraph is named (`province`, `subgraph`). Otherwise, and for
 * request errors, the shared `maskUnexpected` (unexpected errors are logged and masked).
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown, options: FormatOptions): GraphQLFormattedError {
  let result = formatted;
  if (formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_MESSAGE.test(formatted.message)) {
    result = { ...result, message: LIMIT_MESSAGES.tokens, extensions: { ...result.extensions, limit: 'tokens' } };
  }
  if (!options.production) return maskUnexpected(result, error, options.logger);

  result = { ...result, message: withoutSuggestions(result.message) };
  const origin = typeof error === 'object' && error !== null ? options.origins.get(error) : undefined;
  if (!origin?.execution) return maskUnexpected(result, error, options.logger);
  return maskExecutionError(result, error, origin.requestId, options.logger);
}

function maskExecutionError(formatted: GraphQLFormattedError, error: unknown, requestId: string, logger: Logger): GraphQLFormattedError {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  const where = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  const details = { requestId, code, message: formatted.message, path: formatted.path, extensions: formatted.extensions, err: unwrapResolverError(error) };

  if (code && CALLER_MESSAGE_CODES.has(code)) {
    logger.debug(details, 'operation error');
    return { message: formatted.message, ...where, extensions: { code, requestId, ...callerExtensions(formatted) } };
  }
  if (code === 'PROVINCE_UNAVAILABLE' || code === 'SUBGRAPH_UNAVAILABLE' || code === 'SERVICE_UNAVAILABLE') {
    logger.warn(details, 'operation error (details withheld from the caller)');
    const province = formatted.extensions?.province;
    const message =
      code === 'SUBGRAPH_UNAVAILABLE'
        ? 'A service of the hub is unavailable; the rest of the answer is complete.'
        : code === 'SERVICE_UNAVAILABLE'
          ? 'A service of the hub could not reach its database; try again shortly. The rest of the answer is complete.'
          : `Province ${typeof province === 'string' && province ? `${province} ` : ''}is unavailable; the rest of the answer is complete.`;
    return { message, ...where, extensions: { code, requestId, ...callerExtensions(formatted) } };
  }
  logger.error(details, 'unexpected operation error (masked for the caller)');
  return { message: 'Internal server error', ...where, extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies keyof typeof ErrorCodes, requestId } };
}

function callerExtensions(formatted: GraphQLFormattedError): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key of CALLER_EXTENSIONS) if (formatted.extensions?.[key] !== undefined) kept[key] = formatted.extensions[key];
  return kept;
}
