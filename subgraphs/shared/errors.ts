import { GraphQLError } from 'graphql';

/**
 * The one catalogue of `extensions.code` values the hub emits for unexpected failures.
 * Expected failures (an unknown QR code, a declaration for an unknown person) are result
 * types in the schema instead; see each subgraph's SDL.
 */
export const ErrorCodes = {
  UNAUTHENTICATED: { http: 401, description: 'No valid credentials were presented.' },
  FORBIDDEN: { http: 403, description: 'The caller may not see or change this data.' },
  BAD_USER_INPUT: { http: 400, description: 'An argument is malformed (an ID, a timestamp, a code).' },
  PAYLOAD_TOO_LARGE: { http: 413, description: 'The request body is larger than the configured limit.' },
  BAD_REQUEST: { http: 400, description: 'The HTTP request itself is malformed (body is not JSON).' },
  WRONG_PROVINCE: { http: 400, description: 'A province deployment was asked for another province.' },
  PROVINCE_UNAVAILABLE: { http: 200, description: 'A province deployment is unregistered, down or slow.' },
  SUBGRAPH_UNAVAILABLE: { http: 200, description: 'A national subgraph is down, failing or did not answer in time (extensions.subgraph names it).' },
  OPERATION_NOT_REGISTERED: { http: 400, description: "A partner sent an operation's text, or the id of an operation its client has not registered (trusted documents)." },
  SERVICE_UNAVAILABLE: { http: 503, description: "The subgraph's database, or a service it needs, did not answer; the same request may succeed shortly." },
  AUDIT_UNAVAILABLE: { http: 503, description: 'The audit record of a read of personal data could not be written, so no data was returned.' },
  INTERNAL_SERVER_ERROR: { http: 500, description: 'An unexpected failure; details are in the log.' },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export function hubError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export function badInput(message: string, argument?: string): GraphQLError {
  return hubError('BAD_USER_INPUT', message, argument ? { argument } : {});
}
