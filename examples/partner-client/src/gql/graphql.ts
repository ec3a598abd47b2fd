/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** One check-in in a batch uploaded by a scanning partner. */
export type CheckInRecordInput = {
  /** When the person arrived; not in the future. */
  checkedInAt: string;
  /** When the person left, if known; not before checkedInAt and not in the future. */
  checkedOutAt?: string | null | undefined;
  /** A UUID made by the scanner; the same id uploaded again is recognised as a duplicate. */
  id: string;
  /** The person who checked in (a UUID). */
  personId: string;
  /** The QR code that was scanned. */
  qrCode: string;
};

/** Why a row of a batch upload was not stored. */
export type CheckInRejectionCode =
  /** checkedOutAt is before checkedInAt. */
  | 'CHECK_OUT_BEFORE_CHECK_IN'
  /** The id was already used for a check-in of another person or at another venue. */
  | 'ID_CONFLICT'
  /** The id or personId is not a UUID. */
  | 'MALFORMED_ID'
  /** The QR code is empty or too long. */
  | 'MALFORMED_QR_CODE'
  /** A time is in the future. */
  | 'TIME_IN_FUTURE'
  /** No venue carries the QR code. */
  | 'UNKNOWN_QR_CODE';

/** Kinds of venue, used to weigh how crowded a place is when tracing. */
export type VenueCategory =
  /** A hospital, clinic or pharmacy (bệnh viện, phòng khám). */
  | 'HOSPITAL'
  /** A market (chợ), wet or dry. */
  | 'MARKET'
  /** An office or workplace, including factories (cơ quan, nơi làm việc). */
  | 'OFFICE'
  /** Anything else. */
  | 'OTHER'
  /** A restaurant, café or food stall (nhà hàng, quán ăn). */
  | 'RESTAURANT'
  /** A school, kindergarten or university (trường học). */
  | 'SCHOOL'
  /** A shop, supermarket or shopping centre (cửa hàng, siêu thị). */
  | 'SHOP'
  /** A station, bus, train, ferry or airport (phương tiện, nhà ga, bến xe). */
  | 'TRANSPORT'
  /** A place of worship (chùa, nhà thờ, đền). */
  | 'WORSHIP';

export type VenueByQrQueryVariables = Exact<{
  qrCode: string;
}>;


export type VenueByQrQuery = { venueByQr: { id: string, name: string, category: VenueCategory, qrCode: string, ward: { code: string } | null, province: { code: string } | null } | null };

export type RecordCheckInsMutationVariables = Exact<{
  batch: Array<CheckInRecordInput> | CheckInRecordInput;
}>;


export type RecordCheckInsMutation = { recordCheckIns: { accepted: number, duplicates: number, rejected: Array<{ index: number, id: string | null, code: CheckInRejectionCode, field: string, reason: string }> } | null };


export const VenueByQrDocument = {"__meta__":{"hash":"sha256:f2569bdc125976057930d381d8d7c0cddda42b064de3441b5f2493541972bd3d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"VenueByQr"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"qrCode"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"venueByQr"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"qrCode"},"value":{"kind":"Variable","name":{"kind":"Name","value":"qrCode"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"qrCode"}},{"kind":"Field","name":{"kind":"Name","value":"ward"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}}]}},{"kind":"Field","name":{"kind":"Name","value":"province"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<VenueByQrQuery, VenueByQrQueryVariables>;
export const RecordCheckInsDocument = {"__meta__":{"hash":"sha256:5b59e7b7d62a08ed28ed1a93489ede1e46585e2aa2dc6e1610d30c4402470da9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RecordCheckIns"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"batch"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CheckInRecordInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordCheckIns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"batch"},"value":{"kind":"Variable","name":{"kind":"Name","value":"batch"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accepted"}},{"kind":"Field","name":{"kind":"Name","value":"duplicates"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}}]}}]}}]} as unknown as DocumentNode<RecordCheckInsMutation, RecordCheckInsMutationVariables>;