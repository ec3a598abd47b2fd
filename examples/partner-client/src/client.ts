import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/**
 * A minimal GraphQL client for a partner of the hub. It sends only the id of a registered
 * operation (`documentId`, the hash GraphQL Code Generator put in the typed document), never its
 * text: the hub runs partners' operations from its own registered copy. The types of variables
 * and result come from the typed document.
 *
 * It retries what a retry cannot make worse: a timeout, a lost connection, a 5xx or 429, and the
 * hub's codes for a part of it that is down (`retryable`). The very same body is sent again, so a
 * mutation is retried safely only when its ids are made by the client (every batch upload of the
 * hub is: a check-in, a test result or a case sent twice under one id is stored once).
 */
export class PartnerClient {
  constructor(
    private readonly gatewayUrl: string,
    private readonly token: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async execute<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<TResult> {
    const documentId = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
    if (!documentId) throw new Error('This document has no persisted-document hash: run npm run partner:codegen.');
    const { status, body } = await postWithRetry(this.gatewayUrl, this.token, { documentId, variables: variables ?? {} }, this.retry);
    if (body.errors?.length || body.data == null) throw new GraphQLRequestError(status, body.errors ?? [{ message: 'no data' }]);
    return body.data as TResult;
  }
}

export interface RetryPolicy {
  /** Attempts in all (the first one included). */
  attempts: number;
  /** Each attempt's timeout. */
  timeoutMs: number;
  /** The first pause; it doubles up to `maxDelayMs`, each with a random part so that clients do not retry in step. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, timeoutMs: 15_000, baseDelayMs: 250, maxDelayMs: 5_000 };

/** The hub's codes for a part that is down or slow: the same request may succeed later. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['SUBGRAPH_UNAVAILABLE', 'PROVINCE_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'INTERNAL_SERVER_ERROR']);

export interface GraphQLBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** Why an attempt is tried again, or null when its answer is final (success, or an error a retry would repeat). */
export function retryable(outcome: { status: number; body: GraphQLBody } | { failure: string }): string | null {
  if ('failure' in outcome) return outcome.failure;
  if (outcome.status >= 500 || outcome.status === 429) return `HTTP ${outcome.status}`;
  const code = outcome.body.errors?.map((e) => e.extensions?.code).find((c) => c !== undefined && RETRYABLE_CODES.has(c));
  if (!code) return null;
  // Partial data with a coded error is an answer; every root field null with a retryable code is not.
  const answered = Object.values((outcome.body.data ?? {}) as Record<string, unknown>).some((v) => v != null);
  return answered ? null : code;
}

/**
 * POSTs `payload` until an answer is final or the attempts are spent (then the last answer, or
 * the last failure thrown). `onAttempt` sees each attempt's outcome (the chaos run logs them).
 */
export async function postWithRetry(
  url: string,
  token: string,
  payload: Record<string, unknown>,
  policy: RetryPolicy = DEFAULT_RETRY,
  onAttempt?: (attempt: number, why: string | null, sentAt: number) => void,
): Promise<{ status: number; body: GraphQLBody; attempts: number }> {
  const body = JSON.stringify(payload);
  let last: { status: number; body: GraphQLBody } | Error = new Error('no attempt made');
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    let outcome: { status: number; body: GraphQLBody } | { failure: string };
    const sentAt = Date.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
        body,
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      const text = await response.text();
      let parsed: GraphQLBody;
      try {
        parsed = JSON.parse(text) as GraphQLBody;
      } catch {
        parsed = { errors: [{ message: `not JSON (HTTP ${response.status})` }] };
      }
      outcome = { status: response.status, body: parsed };
      last = outcome;
    } catch (error) {
      const cause = error as { name?: string; cause?: { code?: string } };
      outcome = { failure: cause.name === 'TimeoutError' ? 'timeout' : (cause.cause?.code ?? cause.name ?? 'network error') };
      last = new Error(`${outcome.failure} after ${attempt} attempt(s)`);
    }
    const why = retryable(outcome);
    onAttempt?.(attempt, why, sentAt);
    if (why === null && !('failure' in outcome)) return { ...outcome, attempts: attempt };
    if (attempt === policy.attempts) break;
    const pause = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    await new Promise((resolve) => setTimeout(resolve, pause / 2 + Math.random() * (pause / 2)));
  }
  if (last instanceof Error) throw last;
  return { ...last, attempts: policy.attempts };
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: Array<{ message: string; extensions?: { code?: string } }>,
  ) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}
