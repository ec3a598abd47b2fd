import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import codegenConfig from '../../examples/partner-client/codegen.ts';
import { manifestFromPersistedDocuments, manifestText, PARTNER_CLIENT, PERSISTED_DOCUMENTS, REGISTERED_MANIFEST } from '../../examples/partner-client/register.ts';
import { GraphQLRequestError, PartnerClient } from '../../examples/partner-client/src/client.ts';
import type { RecordCheckInsMutation, VenueByQrQuery } from '../../examples/partner-client/src/gql/graphql.ts';
import { RecordCheckIns, VenueByQr } from '../../examples/partner-client/src/operations.ts';
import { sha256Hex } from '../../gateway/trusted-documents.ts';
import { DEMO_PEOPLE, DEMO_VENUES } from '../../subgraphs/shared/demo.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

// The README's worked example for partners (examples/partner-client): a typed client made by
// GraphQL Code Generator, whose operations are registered with the hub and sent by id.

describe('the partner example: generated output', () => {
  it('is up to date with its operations and the supergraph (npm run partner:codegen)', async () => {
    const outputs: Array<{ filename: string; content: string }> = await generate({ ...codegenConfig, silent: true, verbose: false }, false);
    expect(outputs.map((o) => o.filename).sort()).toEqual(
      ['gql.ts', 'graphql.ts', 'index.ts', 'persisted-documents.json'].map((name) => `examples/partner-client/src/gql/${name}`),
    );
    for (const output of outputs) {
      expect(readFileSync(output.filename, 'utf8'), `${output.filename} is stale: run npm run partner:codegen`).toBe(output.content);
    }
  });

  it('is registered with the hub: config/trusted-documents/partner-acme.json holds exactly its operations', () => {
    const registered = readFileSync(REGISTERED_MANIFEST, 'utf8');
    expect(registered, 'run npm run partner:codegen').toBe(manifestText(manifestFromPersistedDocuments(readFileSync(PERSISTED_DOCUMENTS, 'utf8'))));
    expect(JSON.parse(registered).operations.map((op: { name: string; type: string }) => `${op.type} ${op.name}`)).toEqual(['mutation RecordCheckIns', 'query VenueByQr']);
  });
});

describe('a partner on the hub', () => {
  let hub: TestHub;
  let client: PartnerClient;
  let partnerToken: string;

  beforeAll(async () => {
    hub = await startTestHub();
    partnerToken = await hub.token({ subject: PARTNER_CLIENT, role: 'partner', scopes: ['checkins:write', 'venues:read'] });
    client = new PartnerClient(hub.url, partnerToken);
  });
  afterAll(() => hub?.stop());

  itWithPostgres('runs a registered query by id, with a typed result', async () => {
    const result = await client.execute(VenueByQr, { qrCode: DEMO_VENUES.benThanhMarket.qrCode });
    expectTypeOf(result).toEqualTypeOf<VenueByQrQuery>();
    expect(result.venueByQr).toEqual({
      id: DEMO_VENUES.benThanhMarket.id,
      name: 'Chợ Bến Thành',
      category: 'MARKET',
      qrCode: DEMO_VENUES.benThanhMarket.qrCode,
      ward: { code: DEMO_VENUES.benThanhMarket.wardCode },
      province: { code: '79' },
    });
    expect((await client.execute(VenueByQr, { qrCode: 'VN-00-NONE' })).venueByQr).toBeNull();
  });

  itWithPostgres('runs a registered mutation by id; a retried batch changes nothing', async () => {
    const batch = [
      { id: randomUUID(), qrCode: DEMO_VENUES.benThanhMarket.qrCode, personId: DEMO_PEOPLE.ha.id, checkedInAt: new Date(Date.now() - 60_000).toISOString() },
      { id: randomUUID(), qrCode: 'VN-00-NONE', personId: DEMO_PEOPLE.ha.id, checkedInAt: new Date(Date.now() - 60_000).toISOString() },
    ];
    const first = await client.execute(RecordCheckIns, { batch });
    expectTypeOf(first).toEqualTypeOf<RecordCheckInsMutation>();
    expect(first.recordCheckIns).toMatchObject({ accepted: 1, duplicates: 0, rejected: [{ index: 1, code: 'UNKNOWN_QR_CODE', field: 'qrCode' }] });
    const again = await client.execute(RecordCheckIns, { batch: batch.slice(0, 1) });
    expect(again.recordCheckIns).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
  });

  itWithPostgres('retries a batch whose answer was lost or that met a 503, with the same body; the rows are stored once', async () => {
    // Between the partner and the gateway: the first request reaches the gateway but its answer is
    // cut off (the batch is stored, the partner does not know it), the second gets a 503 from a
    // load balancer, the third passes.
    const bodies: string[] = [];
    const relay: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        bodies.push(body);
        if (bodies.length === 2) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
        const upstream = httpRequest(hub.url, { method: 'POST', headers: req.headers }, (answer) => {
          if (bodies.length === 1) return void answer.resume().on('end', () => res.socket?.destroy());
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const address = relay.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const retrying = new PartnerClient(`http://127.0.0.1:${port}/graphql`, partnerToken, { attempts: 4, timeoutMs: 10_000, baseDelayMs: 10, maxDelayMs: 50 });
      const id = randomUUID();
      const batch = [{ id, qrCode: DEMO_VENUES.benThanhMarket.qrCode, personId: DEMO_PEOPLE.ha.id, checkedInAt: new Date(Date.now() - 60_000).toISOString() }];
      const answered = await retrying.execute(RecordCheckIns, { batch });
      // The first attempt stored it: the third finds it there.
      expect(answered.recordCheckIns).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
      expect(bodies).toHaveLength(3);
      expect(new Set(bodies).size).toBe(1);
      const stored = await hub.query(`query($id: ID!) { person(id: $id) { checkIns { id } } }`, { id: DEMO_PEOPLE.ha.id }, { token: await hub.token({ role: 'national_official' }) });
      expect((stored.data.person.checkIns as Array<{ id: string }>).filter((c) => c.id === id)).toHaveLength(1);

      // A refusal is final: not retried.
      const refused = await retrying.execute(RecordCheckIns, { batch: [{ ...batch[0]!, id: 'not-a-uuid', checkedInAt: 'yesterday' }] }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(GraphQLRequestError);
      expect((refused as GraphQLRequestError).code).toBe('BAD_USER_INPUT');
      expect(bodies).toHaveLength(4);
    } finally {
      await new Promise((resolve) => relay.close(resolve));
    }
  });

  itWithPostgres('is refused an operation it did not register, or sent as text', async () => {
    // The registered operation's own text: partners send ids only.
    const registered = JSON.parse(readFileSync(REGISTERED_MANIFEST, 'utf8')).operations.find((op: { name: string }) => op.name === 'VenueByQr') as { body: string };
    const text = await hub.query(registered.body, { qrCode: DEMO_VENUES.benThanhMarket.qrCode }, { token: partnerToken });
    expect(text.status).toBe(400);
    expect(text.errors?.[0]?.extensions?.code).toBe('OPERATION_NOT_REGISTERED');
    expect(text.data).toBeUndefined();

    // An operation nobody registered, by id.
    const unregistered = 'query People { people(ids: ["0b6f3c1e-0000-4000-8000-000000000001"]) { fullName phone } }';
    const byId = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${partnerToken}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(unregistered) } } }),
    });
    expect(byId.status).toBe(400);
    const refused = (await byId.json()) as { data?: unknown; errors: Array<{ message: string; extensions: { code: string } }> };
    expect(refused.data).toBeUndefined();
    expect(refused.errors[0]).toEqual({
      message: `Operation ${sha256Hex(unregistered)} is not registered for client "${PARTNER_CLIENT}".`,
      extensions: { code: 'OPERATION_NOT_REGISTERED' },
    });

    // Another partner's client may not use partner-acme's registrations.
    const other = new PartnerClient(hub.url, await hub.token({ subject: 'partner-other', role: 'partner', scopes: ['venues:read'] }));
    const error = await other.execute(VenueByQr, { qrCode: DEMO_VENUES.benThanhMarket.qrCode }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect((error as GraphQLRequestError).code).toBe('OPERATION_NOT_REGISTERED');
  });

  itWithPostgres('leaves other roles free to send operation text', async () => {
    const official = await hub.query('{ venueByQr(qrCode: "VN-79-CBT-0001") { name } }', {}, { token: await hub.token({ role: 'national_official', scopes: ['venues:read'] }) });
    expect(official.errors).toBeUndefined();
    expect(official.data.venueByQr.name).toBe('Chợ Bến Thành');
  });
});
