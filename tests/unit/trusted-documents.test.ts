import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { manifestOf, parseManifest, sha256Hex, TrustedDocuments, trustedDocumentsGate } from '../../gateway/trusted-documents.ts';
import type { GatewayContext } from '../../gateway/auth.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';

const VENUE = 'query VenueByQr($qrCode: String!) { venueByQr(qrCode: $qrCode) { name } }';
const RECORD = 'mutation RecordCheckIns($batch: [CheckInRecordInput!]!) { recordCheckIns(batch: $batch) { accepted } }';
const manifest = manifestOf([VENUE, RECORD]);
const store = TrustedDocuments.fromManifests({ 'partner-acme': manifest.operations }, createLogger('test', 'silent'));
const gate = trustedDocumentsGate(store);

function context(identity: Partial<Identity>): GatewayContext {
  return {
    identity: { subject: 'partner-acme', role: 'partner', jurisdiction: [], scopes: [], purpose: null, ...identity },
    internalToken: 'x',
    requestId: 'r',
  };
}

function refusal(run: () => unknown): { code: unknown; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return { code: (error as GraphQLError).extensions.code, message: (error as GraphQLError).message };
  }
  throw new Error('expected a refusal');
}

describe('trusted documents: manifests', () => {
  it('builds an Apollo persisted-query manifest: id = sha256 of the body, name and type from the body', () => {
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.operations).toEqual([
      { id: sha256Hex(RECORD), name: 'RecordCheckIns', type: 'mutation', body: RECORD },
      { id: sha256Hex(VENUE), name: 'VenueByQr', type: 'query', body: VENUE },
    ]);
    expect(parseManifest(JSON.stringify(manifest), 'm.json')).toEqual(manifest.operations);
  });

  it('refuses a whole file with any wrong entry, naming each problem', () => {
    const bad = {
      ...manifest,
      operations: [
        { ...manifest.operations[0]!, id: sha256Hex('something else') },
        { ...manifest.operations[1]!, type: 'mutation' },
        { id: sha256Hex('query {'), name: 'Broken', type: 'query', body: 'query {' },
      ],
    };
    expect(() => parseManifest(JSON.stringify(bad), 'm.json')).toThrow(/operations.0 \(RecordCheckIns\): id is not the SHA-256.*operations.1 \(VenueByQr\): the operation is a query, not a mutation.*operations.2 \(Broken\): the body does not parse/);
    expect(() => parseManifest('{', 'm.json')).toThrow('m.json: not valid JSON');
    expect(() => parseManifest(JSON.stringify({ format: 'other', version: 1, operations: [] }), 'm.json')).toThrow(/format/);
  });
});

describe('trusted documents: the gate', () => {
  it('leaves every other role alone (query text allowed)', () => {
    for (const role of ['national_official', 'province_official', 'tracer', 'citizen', 'service'] as const) {
      const request = { method: 'POST', body: { query: '{ viewer { role } }' }, search: '' };
      expect(gate(request, context({ role }))).toBe(request);
    }
  });

  it('refuses a partner that sends a query text, even the registered text', () => {
    for (const body of [{ query: '{ viewer { role } }' }, { query: VENUE, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(VENUE) } } }]) {
      const refused = refusal(() => gate({ method: 'POST', body, search: '' }, context({})));
      expect(refused.code).toBe('OPERATION_NOT_REGISTERED');
      expect(refused.message).toMatch(/registered operations only/);
    }
    expect(refusal(() => gate({ method: 'GET', body: undefined, search: '?query=%7Bviewer%7Brole%7D%7D' }, context({}))).code).toBe('OPERATION_NOT_REGISTERED');
  });

  it('refuses a partner without an id, with an unknown id, or with another client’s id', () => {
    expect(refusal(() => gate({ method: 'POST', body: { variables: {} }, search: '' }, context({}))).message).toMatch(/Send the id/);
    const unknown = sha256Hex('query Other { viewer { role } }');
    expect(refusal(() => gate({ method: 'POST', body: { documentId: unknown }, search: '' }, context({})))).toEqual({
      code: 'OPERATION_NOT_REGISTERED',
      message: `Operation ${unknown} is not registered for client "partner-acme".`,
    });
    const other = refusal(() => gate({ method: 'POST', body: { documentId: sha256Hex(VENUE) }, search: '' }, context({ subject: 'partner-other' })));
    expect(other.message).toMatch(/not registered for client "partner-other"/);
  });

  it('runs a registered operation sent by extensions.persistedQuery.sha256Hash, as its registered text', () => {
    const body = { variables: { qrCode: 'VN-79-CBT-0001' }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(VENUE) }, trace: true } };
    expect(gate({ method: 'POST', body, search: '' }, context({})).body).toEqual({
      query: VENUE,
      operationName: 'VenueByQr',
      variables: { qrCode: 'VN-79-CBT-0001' },
      extensions: { trace: true },
    });
  });

  it('runs a registered operation sent by documentId, with or without the sha256: prefix', () => {
    for (const documentId of [sha256Hex(RECORD), `sha256:${sha256Hex(RECORD)}`]) {
      const prepared = gate({ method: 'POST', body: { documentId, variables: { batch: [] } }, search: '' }, context({}));
      expect(prepared.body).toEqual({ query: RECORD, operationName: 'RecordCheckIns', variables: { batch: [] } });
    }
  });

  it('rewrites a GET request’s query string', () => {
    const extensions = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256Hex(VENUE) } }));
    const prepared = gate({ method: 'GET', body: undefined, search: `?extensions=${extensions}&variables=%7B%7D` }, context({}));
    const params = new URLSearchParams(prepared.search);
    expect(params.get('query')).toBe(VENUE);
    expect(params.get('operationName')).toBe('VenueByQr');
    expect(params.get('extensions')).toBeNull();
    expect(params.get('variables')).toBe('{}');
  });
});
