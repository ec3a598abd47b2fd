import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { formatGatewayError, type ErrorOrigin } from '../../gateway/limits/errors.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';

/**
 * Issue 18: in production the gateway reduces what the subgraphs raised to a code; a subgraph's
 * SERVICE_UNAVAILABLE (its database unreachable) must reach the caller as such, a code a client
 * retries on, not as INTERNAL_SERVER_ERROR.
 */
describe('the gateway’s production error format', () => {
  const format = (code: string) => {
    const error = new GraphQLError('The units database is down: connect ECONNREFUSED 10.0.0.7:5432', { path: ['provinces'], extensions: { code } });
    const origins = new WeakMap<object, ErrorOrigin>([[error, { requestId: 'req-1', execution: true }]]);
    return formatGatewayError({ message: error.message, path: ['provinces'], extensions: { code } }, error, { production: true, logger: createLogger('test', 'silent'), origins });
  };

  it('passes SERVICE_UNAVAILABLE through with its code and request id, and no detail of the subgraph', () => {
    const formatted = format('SERVICE_UNAVAILABLE');
    expect(formatted.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', requestId: 'req-1' });
    expect(formatted.path).toEqual(['provinces']);
    expect(formatted.message).not.toMatch(/ECONNREFUSED|10\.0\.0\.7|units/);
  });

  it('still masks an unexpected error as INTERNAL_SERVER_ERROR', () => {
    expect(format('SOMETHING_ELSE').extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' });
  });
});
