import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { EXIT_CODES } from '../../subgraphs/vaccination/certificates/verify.ts';
import { vietnamDay } from '../../subgraphs/vaccination/certificates/payload.ts';
import { CertificateVerifier } from '../../subgraphs/vaccination/certificates/verify.ts';
import { CertificateSigner } from '../../subgraphs/vaccination/certificates/sign.ts';
import { publicPart, type PrivateCertificateJwk } from '../../subgraphs/vaccination/certificates/keys.ts';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { dropDatabasesWithPrefix, startTestHub, type TestHub } from '../support/hub.ts';
import { postgresUrl, itWithPostgres, uniquePrefix } from '../support/services.ts';
import { NO_NETWORK_EXIT_CODE, NO_NETWORK_MARK, runOffline as runScriptOffline } from '../support/offline.ts';

type Someone = { id: string; fullName: string; birthYear: number; provinceCode: string; wardCode: string; phone: string; nationalId: string };
// Registered by the test, so that no demo dose, test or case of theirs is in the picture.
const MAI: Someone = { id: randomUUID(), fullName: 'Đặng Thị Mai', birthYear: 1992, provinceCode: '79', wardCode: DEMO_PEOPLE.ha.wardCode, phone: '0903123456', nationalId: '079192123456' };
const TUAN: Someone = { id: randomUUID(), fullName: 'Bùi Anh Tuấn', birthYear: 1988, provinceCode: '24', wardCode: DEMO_PEOPLE.dung.wardCode, phone: '0987654321', nationalId: '024088654321' };
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Sites and labs are partners: they run registered operations only (gateway/trusted-documents.ts).
const RECORD_DOSES = /* GraphQL */ `mutation RecordVaccinations($doses: [DoseInput!]!) { recordVaccinations(doses: $doses) { accepted duplicates rejected { index code } } }`;
const RECORD_TESTS = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted rejected { index code } } }`;
const CERTIFICATE = /* GraphQL */ `query($id: ID!) { vaccinationCertificate(personId: $id) { certificateId token qrPayload keyId issuedAt } }`;
const PASS = /* GraphQL */ `query($id: ID!) { person(id: $id) { healthPass { color reason rule } } }`;
const REVOKE = /* GraphQL */ `mutation($id: ID!, $reason: String!) { revokeVaccinationCertificate(certificateId: $id, reason: $reason) { certificateId reason alreadyRevoked } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const codes = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) => (errors ?? []).map((e) => e.extensions?.code);
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function newKey(kid: string): PrivateCertificateJwk {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, d: jwk.d!, kid };
}

function trustedDocuments(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vaccination-certificates-'));
  const manifest = (body: string, name: string) => ({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(body), name, type: 'mutation', body }] });
  writeFileSync(join(dir, 'site-v.json'), JSON.stringify(manifest(RECORD_DOSES, 'RecordVaccinations')));
  writeFileSync(join(dir, 'lab-v.json'), JSON.stringify(manifest(RECORD_TESTS, 'RecordTestResults')));
  return dir;
}

const EXAMPLE = join(ROOT, 'examples/verify-certificate.ts');
/** examples/verify-certificate.ts (or another script) in a process with no network that ends if it tries. */
const runOffline = (args: string[], script = EXAMPLE) => runScriptOffline(script, args);

/**
 * Certificates and the health pass through the real hub: issued by the vaccination subgraph,
 * verified offline with the gateway's published keys, revoked, rotated; the pass follows tests and cases.
 */
describe('vaccination certificates and health pass', () => {
  const prefix = uniquePrefix('vcert');
  const keyA = newKey('cert-2026-a');
  const keyB = newKey('cert-2026-b');
  let hub: TestHub;
  let site: string;
  let lab: string;
  let certificatesSql: postgres.Sql;
  let dir: string;
  const gatewayBase = () => hub.url.replace(/\/graphql$/, '');

  const asPartner = async (token: string, document: string, variables: Record<string, unknown>) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documentId: `sha256:${sha256(document)}`, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  let seq = 0;
  const dose = (person: Someone, doseNumber: number, daysAgo: number) => ({
    recordId: `CERT-${Date.now()}-${++seq}`, personId: person.id, product: 'COMIRNATY', doseNumber, administeredAt: hoursAgo(daysAgo * 24),
    lot: 'FK1234', wardCode: person.wardCode, birthYear: person.birthYear,
  });
  const test = (person: Someone, result: string, collectedHoursAgo: number) => ({
    sampleId: `S-${Date.now()}-${++seq}`, personId: person.id, kind: 'PCR', result, collectedAt: hoursAgo(collectedHoursAgo), resultedAt: hoursAgo(collectedHoursAgo - 1),
    testingSite: { province: person.provinceCode, id: demoId('testingSite', person.provinceCode, 1) },
  });
  const certificate = async (personId: string, token?: string) => {
    const response = await hub.query(CERTIFICATE, { id: personId }, token ? { token } : {});
    expect(response.errors).toBeUndefined();
    return response.data.vaccinationCertificate as { certificateId: string; token: string; qrPayload: string; keyId: string; issuedAt: string };
  };
  const pass = async (personId: string, token?: string) => {
    const response = await hub.query(PASS, { id: personId }, token ? { token } : {});
    expect(response.errors).toBeUndefined();
    return response.data.person.healthPass as { color: string; reason: string; rule: string };
  };
  const download = async (path: string) => {
    const response = await fetch(`${gatewayBase()}/.well-known/${path}`);
    expect(response.status).toBe(200);
    return { body: (await response.json()) as any, cacheControl: response.headers.get('cache-control') };
  };
  const cacheFiles = async () => {
    const jwks = await fetch(`${gatewayBase()}/.well-known/jwks.json`).then((r) => r.text());
    const revocations = await fetch(`${gatewayBase()}/.well-known/certificate-revocations.json`).then((r) => r.text());
    writeFileSync(join(dir, 'jwks.json'), jwks);
    writeFileSync(join(dir, 'revocations.json'), revocations);
    return { jwks: join(dir, 'jwks.json'), revocations: join(dir, 'revocations.json') };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verifier-cache-'));
    hub = await startTestHub({ dbPrefix: prefix, certificateKeys: { signing: keyA, verifyOnly: [] }, trustedDocumentsDir: trustedDocuments() });
    site = await hub.token({ subject: 'site-v', role: 'partner', scopes: ['vaccinations:write'] });
    lab = await hub.token({ subject: 'lab-v', role: 'partner', scopes: ['tests:write'] });
    certificatesSql = hub.hub.subgraphs.find((s) => s.name === 'vaccination')!.database.sql;
    for (const p of [MAI, TUAN]) {
      const registered = await hub.query(`mutation($input: RegisterPersonInput!) { registerPerson(input: $input) { __typename } }`, {
        input: { id: p.id, fullName: p.fullName, birthYear: p.birthYear, phone: p.phone, nationalId: p.nationalId, residenceWardCode: p.wardCode, residenceProvinceCode: p.provinceCode },
      });
      expect(registered.data?.registerPerson.__typename).toBe('PersonRegistered');
    }
  });
  afterAll(async () => {
    await hub?.stop();
    const server = postgresUrl();
    if (server) await dropDatabasesWithPrefix(server, prefix);
  });

  itWithPostgres('the gateway publishes the public key only, with its kid and cache headers', async () => {
    const { body, cacheControl } = await download('jwks.json');
    expect(body).toEqual({ keys: [{ ...publicPart(keyA), alg: 'EdDSA', use: 'sig' }] });
    expect(JSON.stringify(body)).not.toContain(keyA.d);
    expect(body.keys.some((k: Record<string, unknown>) => 'd' in k)).toBe(false);
    expect(cacheControl).toMatch(/public, max-age=\d+/);
    const revocations = await download('certificate-revocations.json');
    expect(revocations.body.certificateIds).toEqual([]);
    expect(revocations.cacheControl).toMatch(/public, max-age=\d+/);
  });

  itWithPostgres('a certificate verifies offline with the published key: the example, in a process with no network, and the shared verify function', async () => {
    expect(await asPartner(site, RECORD_DOSES, { doses: [dose(TUAN, 1, 120), dose(TUAN, 2, 90)] })).toEqual({ recordVaccinations: { accepted: 2, duplicates: 0, rejected: [] } });
    const issued = await certificate(TUAN.id);
    expect(issued.keyId).toBe(keyA.kid);
    expect(issued.qrPayload).toBe(`VNVC1:${issued.token}`);
    // The payload names the person and the doses, never the national ID number or the phone.
    const payload = JSON.parse(Buffer.from(issued.token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(payload).toMatchObject({ cid: issued.certificateId, n: TUAN.fullName, by: TUAN.birthYear, d: [['COMIRNATY', vietnamDay(new Date(Date.now() - 120 * 86_400_000)), 1], ['COMIRNATY', vietnamDay(new Date(Date.now() - 90 * 86_400_000)), 2]] });
    expect(issued.token).not.toContain(TUAN.nationalId);
    expect(JSON.stringify(payload)).not.toContain(TUAN.nationalId);
    expect(JSON.stringify(payload)).not.toContain(TUAN.phone);
    // Asked again for the same doses: the same certificate.
    expect((await certificate(TUAN.id)).certificateId).toBe(issued.certificateId);

    const files = await cacheFiles();
    const valid = runOffline(['--jwks', files.jwks, '--revocations', files.revocations, issued.qrPayload]);
    expect(valid.stderr).not.toContain(NO_NETWORK_MARK);
    expect(valid).toMatchObject({ code: EXIT_CODES.VALID, stdout: expect.stringContaining(`VALID: ${TUAN.fullName} (${TUAN.birthYear})`) });
    const [header, , signature] = issued.token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...payload, n: 'Someone Else' })).toString('base64url');
    const tampered = runOffline(['--jwks', files.jwks, `${header}.${forged}.${signature}`]);
    expect(tampered).toMatchObject({ code: EXIT_CODES.TAMPERED, stdout: expect.stringContaining('tampered') });
    const stranger = await new CertificateSigner({ signing: newKey('not-ours'), verifyOnly: [] }).sign(payload);
    expect(runOffline(['--jwks', files.jwks, stranger.token])).toMatchObject({ code: EXIT_CODES.UNKNOWN_KEY, stdout: expect.stringContaining('UNKNOWN KEY') });
    // The guard is real: a script that reaches for the network under it is stopped.
    const probe = join(dir, 'probe.mts');
    writeFileSync(probe, `await fetch('http://127.0.0.1:4999/').catch(() => {});\n`);
    expect(runOffline([], probe)).toMatchObject({ code: NO_NETWORK_EXIT_CODE, stderr: expect.stringContaining(NO_NETWORK_MARK) });

    const verifier = new CertificateVerifier(JSON.parse(await fetch(`${gatewayBase()}/.well-known/jwks.json`).then((r) => r.text())));
    expect(await verifier.verify(issued.token)).toMatchObject({ status: 'VALID', payload: { cid: issued.certificateId } });
  });

  itWithPostgres('who gets a certificate: the person, national and in-jurisdiction officials; others are refused, and every request is audited', async () => {
    const own = await hub.token({ subject: TUAN.id, role: 'citizen' });
    expect((await certificate(TUAN.id, own)).certificateId).toBeTruthy();
    const officialHere = await hub.token({ subject: 'po-24', role: 'province_official', provinces: ['24'] });
    expect((await certificate(TUAN.id, officialHere)).certificateId).toBeTruthy();
    for (const token of [
      await hub.token({ subject: MAI.id, role: 'citizen' }),
      await hub.token({ subject: 'po-79', role: 'province_official', provinces: ['79'] }),
      await hub.token({ subject: 'tracer-24', role: 'tracer', provinces: ['24'] }),
    ]) {
      const response = await hub.query(CERTIFICATE, { id: TUAN.id }, { token });
      expect(response.data?.vaccinationCertificate ?? null).toBeNull();
      expect(codes(response.errors)).toEqual(['FORBIDDEN']);
    }
    const audited = await certificatesSql`select outcome, count(*)::int as n from audit_records where person_id = ${TUAN.id} and 'vaccinationCertificate' = any(fields) group by outcome`;
    expect(Object.fromEntries(audited.map((r) => [r.outcome, r.n]))).toMatchObject({ DENIED: 3 });
    // A person with no dose has no certificate.
    expect(await certificate(MAI.id)).toBeNull();
  });

  itWithPostgres('many certificates in one request: each as the single query answers it, in order, refusals at their index, each audited, verifying offline', async () => {
    const MANY = `query($ids: [ID!]!) { vaccinationCertificates(personIds: $ids) { certificateId token keyId } }`;
    const single = await certificate(TUAN.id);
    const unknown = randomUUID();
    const many = await hub.query(MANY, { ids: [TUAN.id, MAI.id, unknown, TUAN.id.toUpperCase()] });
    expect(many.errors).toBeUndefined();
    // The same person (in any case) gets the same certificate; no dose or not registered: null.
    expect(many.data.vaccinationCertificates).toEqual([
      { certificateId: single.certificateId, token: single.token, keyId: keyA.kid },
      null,
      null,
      { certificateId: single.certificateId, token: single.token, keyId: keyA.kid },
    ]);
    const verifier = new CertificateVerifier(JSON.parse(await fetch(`${gatewayBase()}/.well-known/jwks.json`).then((r) => r.text())));
    expect(verifier.verify(many.data.vaccinationCertificates[0].token).status).toBe('VALID');

    // The person themself asking for two: their own certificate, FORBIDDEN at the other's index only (audited as DENIED).
    const deniedBefore = (await certificatesSql`select count(*)::int as n from audit_records where person_id = ${MAI.id} and outcome = 'DENIED' and 'vaccinationCertificate' = any(fields)`)[0]!.n;
    const own = await hub.query(MANY, { ids: [TUAN.id, MAI.id] }, { token: await hub.token({ subject: TUAN.id, role: 'citizen' }) });
    expect(own.data?.vaccinationCertificates).toEqual([{ certificateId: single.certificateId, token: single.token, keyId: keyA.kid }, null]);
    expect(codes(own.errors)).toEqual(['FORBIDDEN']);
    expect((own.errors as Array<{ path: unknown[] }>)[0]!.path).toEqual(['vaccinationCertificates', 1]);
    const deniedAfter = (await certificatesSql`select count(*)::int as n from audit_records where person_id = ${MAI.id} and outcome = 'DENIED' and 'vaccinationCertificate' = any(fields)`)[0]!.n;
    expect(deniedAfter).toBe(deniedBefore + 1);

    // A malformed ID or too many: BAD_USER_INPUT, nothing issued.
    expect(codes((await hub.query(MANY, { ids: [TUAN.id, 'nope'] })).errors)).toEqual(['BAD_USER_INPUT']);
    expect(codes((await hub.query(MANY, { ids: Array.from({ length: 501 }, () => randomUUID()) })).errors)).toEqual(['BAD_USER_INPUT']);
    expect((await certificatesSql`select count(*)::int as n from certificates where person_id = ${TUAN.id} and revoked_at is null`)[0]!.n).toBe(1);
  });

  itWithPostgres('a revoked certificate is listed and refused offline; the next one gets a new id', async () => {
    const before = await certificate(TUAN.id);
    const citizen = await hub.token({ subject: TUAN.id, role: 'citizen' });
    expect(codes((await hub.query(REVOKE, { id: before.certificateId, reason: 'x' }, { token: citizen })).errors)).toEqual(['FORBIDDEN']);
    const bad = await hub.query(REVOKE, { id: before.certificateId, reason: '  ' });
    expect(codes(bad.errors)).toEqual(['BAD_USER_INPUT']);
    expect(codes((await hub.query(REVOKE, { id: randomUUID(), reason: 'unknown' })).errors)).toEqual(['BAD_USER_INPUT']);
    // Nothing was revoked by the refused calls.
    expect((await download('certificate-revocations.json')).body.certificateIds).toEqual([]);

    const revoked = await hub.query(REVOKE, { id: before.certificateId, reason: 'Bản ghi sai / wrong record' });
    expect(revoked.data.revokeVaccinationCertificate).toEqual({ certificateId: before.certificateId, reason: 'Bản ghi sai / wrong record', alreadyRevoked: false });
    expect((await hub.query(REVOKE, { id: before.certificateId, reason: 'again' })).data.revokeVaccinationCertificate).toMatchObject({ alreadyRevoked: true, reason: 'Bản ghi sai / wrong record' });
    const list = await download('certificate-revocations.json');
    expect(list.body.certificateIds).toEqual([before.certificateId]);
    expect((await hub.query(`{ certificateRevocations { certificateIds } }`)).data.certificateRevocations.certificateIds).toEqual([before.certificateId]);

    const files = await cacheFiles();
    expect(runOffline(['--jwks', files.jwks, '--revocations', files.revocations, before.token])).toMatchObject({ code: EXIT_CODES.REVOKED, stdout: expect.stringContaining('REVOKED') });
    const after = await certificate(TUAN.id);
    expect(after.certificateId).not.toBe(before.certificateId);
    expect(runOffline(['--jwks', files.jwks, '--revocations', files.revocations, after.token]).code).toBe(EXIT_CODES.VALID);
  });

  itWithPostgres('the health pass changes as a test result or a case arrives', async () => {
    // Mai: no dose, no test, no case.
    expect(await pass(MAI.id)).toMatchObject({ color: 'YELLOW', rule: 'unknown' });
    await asPartner(lab, RECORD_TESTS, { results: [test(MAI, 'NEGATIVE', 10)] });
    expect(await pass(MAI.id)).toEqual({ color: 'GREEN', rule: 'negative-72h', reason: 'Xét nghiệm âm tính trong 72 giờ / Negative test within 72 hours' });
    await asPartner(lab, RECORD_TESTS, { results: [test(MAI, 'POSITIVE', 2)] });
    expect(await pass(MAI.id)).toMatchObject({ color: 'RED', rule: 'f0-active' });

    // Tuấn: two doses is green, until a case is confirmed by hand.
    expect(await pass(TUAN.id)).toMatchObject({ color: 'GREEN', rule: 'vaccinated' });
    const confirmed = await hub.query(`mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { __typename ... on CaseConfirmed { created } } }`, {
      input: { personId: TUAN.id, province: '24', confirmedAt: hoursAgo(1) },
    });
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data.confirmCase).toEqual({ __typename: 'CaseConfirmed', created: true });
    expect(await pass(TUAN.id)).toMatchObject({ color: 'RED', rule: 'f0-active', reason: expect.stringContaining('F0') });
  });

  itWithPostgres('who reads a health pass: as the vaccination status (a person without a dose: by residence)', async () => {
    expect((await pass(MAI.id, await hub.token({ subject: MAI.id, role: 'citizen' }))).color).toBe('RED');
    expect((await pass(MAI.id, await hub.token({ subject: 'po-79', role: 'province_official', provinces: ['79'] }))).color).toBe('RED');
    for (const token of [await hub.token({ subject: TUAN.id, role: 'citizen' }), await hub.token({ subject: 'po-01', role: 'province_official', provinces: ['01'] })]) {
      const response = await hub.query(PASS, { id: MAI.id }, { token });
      expect(response.data?.person?.healthPass ?? null).toBeNull();
      expect(codes(response.errors)).toContain('FORBIDDEN');
    }
  });

  itWithPostgres('after a key rotation (restart: a new signing key, the old one kept for verifying) old and new certificates verify; once the old key is retired, its certificates are refused', async () => {
    const old = await certificate(TUAN.id);
    expect(old.keyId).toBe(keyA.kid);
    const oldJwksFile = join(dir, 'jwks-before-rotation.json');
    writeFileSync(oldJwksFile, JSON.stringify((await download('jwks.json')).body));

    await hub.stop();
    hub = await startTestHub({ dbPrefix: prefix, seedDemo: false, certificateKeys: { signing: keyB, verifyOnly: [publicPart(keyA)] }, trustedDocumentsDir: trustedDocuments() });
    const jwks = (await download('jwks.json')).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([keyB.kid, keyA.kid]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);

    const renewed = await certificate(TUAN.id);
    expect(renewed).toMatchObject({ keyId: keyB.kid, certificateId: old.certificateId, issuedAt: old.issuedAt });
    const files = await cacheFiles();
    expect(runOffline(['--jwks', files.jwks, '--revocations', files.revocations, old.token]).code).toBe(EXIT_CODES.VALID);
    expect(runOffline(['--jwks', files.jwks, '--revocations', files.revocations, renewed.token]).code).toBe(EXIT_CODES.VALID);
    // A verifier that has not refreshed its key set does not know the new key.
    expect(runOffline(['--jwks', oldJwksFile, renewed.token]).code).toBe(EXIT_CODES.UNKNOWN_KEY);

    // The old key retired (left out of CERTIFICATE_VERIFY_KEYS at the next restart): it is no longer
    // published, and certificates signed with it are refused by verifiers that refresh.
    await hub.stop();
    hub = await startTestHub({ dbPrefix: prefix, seedDemo: false, certificateKeys: { signing: keyB, verifyOnly: [] }, trustedDocumentsDir: trustedDocuments() });
    expect((await download('jwks.json')).body.keys.map((k: { kid: string }) => k.kid)).toEqual([keyB.kid]);
    const retired = await cacheFiles();
    expect(runOffline(['--jwks', retired.jwks, '--revocations', retired.revocations, old.token])).toMatchObject({ code: EXIT_CODES.UNKNOWN_KEY, stdout: expect.stringContaining(keyA.kid) });
    expect(runOffline(['--jwks', retired.jwks, '--revocations', retired.revocations, renewed.token]).code).toBe(EXIT_CODES.VALID);
  });
});
