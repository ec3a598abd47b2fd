import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Supergraph, printSchema } from '@apollo/federation-internals';

/** The committed supergraph (schema/supergraph.graphql). */
export const SUPERGRAPH_PATH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

/**
 * The API schema clients see (types, fields and descriptions, without federation's join__ and
 * link__ machinery), printed from the supergraph: what GraphQL Code Generator types against.
 * The `for: SECURITY` marker of @authenticated / @requiresScopes is removed first, because
 * federation-internals 2.14 refuses it; it changes nothing in the API schema.
 */
export function apiSchemaSdl(supergraphPath = SUPERGRAPH_PATH): string {
  const supergraph = readFileSync(supergraphPath, 'utf8').replace(/(@link\(url: "[^"]+"), for: SECURITY\)/g, '$1)');
  return printSchema(Supergraph.build(supergraph).apiSchema());
}
