import { graphql } from './gql/index.ts';

/**
 * The operations the demo partner's scanners run, and the only ones its token may run: they are
 * registered with the hub by id (see the README, "Partners: from a token to a typed client").
 */

/** The venue behind a scanned QR code, before recording a visit there. */
export const VenueByQr = graphql(`
  query VenueByQr($qrCode: String!) {
    venueByQr(qrCode: $qrCode) {
      id
      name
      category
      qrCode
      ward {
        code
      }
      province {
        code
      }
    }
  }
`);

/** Uploads a batch of scans; a retried batch (same ids) changes nothing. */
export const RecordCheckIns = graphql(`
  mutation RecordCheckIns($batch: [CheckInRecordInput!]!) {
    recordCheckIns(batch: $batch) {
      accepted
      duplicates
      rejected {
        index
        id
        code
        field
        reason
      }
    }
  }
`);
