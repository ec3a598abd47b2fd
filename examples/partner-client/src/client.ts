import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/**
 * A minimal GraphQL client for a partner of the hub. It sends only the id of a registered
 * operation (`documentId`, the hash GraphQL Code Generator put in the typed document), never its
 * text: the hub runs partners' operations from its own registered copy. The types of variables
 * and result come from the typed document.
 */
export class PartnerClient {
  constructor(
    private readonly gatewayUrl: string,
    private readonly token: string,
  ) {}

  async execute<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<TResult> {
    const documentId = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
    if (!documentId) throw new Error('This document has no persisted-document hash: run npm run partner:codegen.');
    const response = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ documentId, variables: variables ?? {} }),
    });
    const body = (await response.json()) as { data?: TResult | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    if (body.errors?.length || body.data == null) throw new GraphQLRequestError(response.status, body.errors ?? [{ message: 'no data' }]);
    return body.data;
  }
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
