import type { CodegenConfig } from '@graphql-codegen/cli';
import { apiSchemaSdl } from './api-schema.ts';

/**
 * GraphQL Code Generator for the demo partner (a venue-scanning company): typed documents for
 * the operations in src/operations.ts, and the persisted-documents manifest the partner registers
 * with the hub (src/gql/persisted-documents.json → config/trusted-documents/partner-acme.json).
 *
 *   npm run partner:codegen
 */
const config: CodegenConfig = {
  // The API schema printed from schema/supergraph.graphql (no running gateway needed).
  schema: apiSchemaSdl(),
  documents: ['examples/partner-client/src/operations.ts'],
  ignoreNoDocuments: false,
  // ESM with explicit extensions, as Node and this repository's tsconfig want them.
  emitLegacyCommonJSImports: false,
  importExtension: '.ts',
  generates: {
    'examples/partner-client/src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // The manifest of sha256 ids: the client sends only the id, the hub runs the registered text.
        persistedDocuments: { mode: 'embedHashInDocument', hashPropertyName: 'hash', hashAlgorithm: 'sha256' },
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', ID: 'string' },
        avoidOptionals: false,
      },
    },
  },
};

export default config;
