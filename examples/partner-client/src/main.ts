/**
 * The demo partner's scanner upload, end to end:
 *
 *   TOKEN=$(npm run -s token -- --role partner --sub partner-acme --scope checkins:write --scope venues:read)
 *   GATEWAY_URL=http://127.0.0.1:4000/graphql TOKEN=$TOKEN npx tsx examples/partner-client/src/main.ts VN-79-CBT-0001
 *
 * Looks the venue up by its QR code, then uploads one check-in for a demo person.
 */
import { randomUUID } from 'node:crypto';
import { PartnerClient } from './client.ts';
import { RecordCheckIns, VenueByQr } from './operations.ts';

// eslint-disable-next-line no-process-env -- a stand-alone example program, configured like a partner's own
const { GATEWAY_URL = 'http://127.0.0.1:4000/graphql', TOKEN } = process.env;
if (!TOKEN) {
  console.error('Set TOKEN to a partner token (npm run -s token -- --role partner --sub partner-acme).');
  process.exit(2);
}
const qrCode = process.argv[2] ?? 'VN-79-CBT-0001';
const client = new PartnerClient(GATEWAY_URL, TOKEN);

const { venueByQr } = await client.execute(VenueByQr, { qrCode });
if (!venueByQr) {
  console.error(`No venue carries the QR code ${qrCode}.`);
  process.exit(1);
}
console.log(`${venueByQr.name} (${venueByQr.category}), ward ${venueByQr.ward?.code ?? '?'}, province ${venueByQr.province?.code ?? '?'}`);

const { recordCheckIns } = await client.execute(RecordCheckIns, {
  batch: [{ id: randomUUID(), qrCode, personId: '0b6f3c1e-0000-4000-8000-000000000005', checkedInAt: new Date().toISOString() }],
});
// Null only with an error, and execute() throws on any error.
if (!recordCheckIns) throw new Error('The hub answered no result for the batch.');
console.log(`accepted ${recordCheckIns.accepted}, duplicates ${recordCheckIns.duplicates}, rejected ${recordCheckIns.rejected.length}`);
