/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query VenueByQr($qrCode: String!) {\n    venueByQr(qrCode: $qrCode) {\n      id\n      name\n      category\n      qrCode\n      ward {\n        code\n      }\n      province {\n        code\n      }\n    }\n  }\n": typeof types.VenueByQrDocument,
    "\n  mutation RecordCheckIns($batch: [CheckInRecordInput!]!) {\n    recordCheckIns(batch: $batch) {\n      accepted\n      duplicates\n      rejected {\n        index\n        id\n        code\n        field\n        reason\n      }\n    }\n  }\n": typeof types.RecordCheckInsDocument,
};
const documents: Documents = {
    "\n  query VenueByQr($qrCode: String!) {\n    venueByQr(qrCode: $qrCode) {\n      id\n      name\n      category\n      qrCode\n      ward {\n        code\n      }\n      province {\n        code\n      }\n    }\n  }\n": types.VenueByQrDocument,
    "\n  mutation RecordCheckIns($batch: [CheckInRecordInput!]!) {\n    recordCheckIns(batch: $batch) {\n      accepted\n      duplicates\n      rejected {\n        index\n        id\n        code\n        field\n        reason\n      }\n    }\n  }\n": types.RecordCheckInsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VenueByQr($qrCode: String!) {\n    venueByQr(qrCode: $qrCode) {\n      id\n      name\n      category\n      qrCode\n      ward {\n        code\n      }\n      province {\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  query VenueByQr($qrCode: String!) {\n    venueByQr(qrCode: $qrCode) {\n      id\n      name\n      category\n      qrCode\n      ward {\n        code\n      }\n      province {\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecordCheckIns($batch: [CheckInRecordInput!]!) {\n    recordCheckIns(batch: $batch) {\n      accepted\n      duplicates\n      rejected {\n        index\n        id\n        code\n        field\n        reason\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RecordCheckIns($batch: [CheckInRecordInput!]!) {\n    recordCheckIns(batch: $batch) {\n      accepted\n      duplicates\n      rejected {\n        index\n        id\n        code\n        field\n        reason\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;