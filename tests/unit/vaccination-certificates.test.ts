import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, compactVerify, createLocalJWKSet, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { main, USAGE_EXIT_CODE, verifyBatch } from '../../examples/verify-certificate.ts';
import { EnvError, parseEnv, requireCertificateKeys } from '../../subgraphs/shared/env.ts';
import {
  DEV_CERTIFICATE_KEY,
  DEV_CERTIFICATE_KEYS,
  parseCertificateKeys,
  publishedJwks,
  type PrivateCertificateJwk,
} from '../../subgraphs/vaccination/certificates/keys.ts';
import { buildPayload, QR_PREFIX, vietnamDay } from '../../subgraphs/vaccination/certificates/payload.ts';
import { CertificateSigner } from '../../subgraphs/vaccination/certificates/sign.ts';
import { CertificateVerifier, EXIT_CODES } from '../../subgraphs/vaccination/certificates/verify.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function newKey(kid: string): PrivateCertificateJwk {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, d: jwk.d!, kid };
}

const payload = buildPayload({
  certificateId: '3b0c8a4e-7c1f-4b7e-9c55-0d6f4f8f2a11',
  issuedAt: new Date('2026-03-01T00:00:00Z'),
  fullName: 'Nguyễn Văn An',
  birthYear: 1980,
  doses: [
    { productCode: 'SPIKEVAX', administeredAt: new Date('2022-01-10T18:00:00Z'), doseNumber: 3 },
    { productCode: 'COMIRNATY', administeredAt: new Date('2021-08-01T03:00:00Z'), doseNumber: 1 },
  ],
});

describe('vaccination certificates (certificates/)', () => {
  it('the payload is the minimum, doses oldest first on their Viet Nam day', () => {
    expect(Object.keys(payload).sort()).toEqual(['by', 'cid', 'd', 'iat', 'n', 'v']);
    // 18:00 UTC on 10 January is 01:00 on the 11th in Viet Nam.
    expect(payload.d).toEqual([['COMIRNATY', '2021-08-01', 1], ['SPIKEVAX', '2022-01-11', 3]]);
    expect(vietnamDay(new Date('2026-12-31T16:59:59Z'))).toBe('2026-12-31');
    expect(vietnamDay(new Date('2026-12-31T17:00:00Z'))).toBe('2027-01-01');
  });

  it('signs with the kid; the token and the QR text verify; a changed byte, another key, a revocation are refused', async () => {
    const signer = await CertificateSigner.create(DEV_CERTIFICATE_KEYS);
    const { token, qrPayload, keyId } = await signer.sign(payload);
    expect(keyId).toBe(DEV_CERTIFICATE_KEY.kid);
    expect(qrPayload).toBe(`${QR_PREFIX}${token}`);
    // Fits a QR code (version 40 holds 2,953 bytes; this is far below).
    expect(qrPayload.length).toBeLessThan(600);
    const verifier = new CertificateVerifier(signer.jwks);
    expect(await verifier.verify(token)).toEqual({ status: 'VALID', keyId, payload });
    expect((await verifier.verify(qrPayload)).status).toBe('VALID');

    const [header, body, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...payload, n: 'Trần Thị Bình' })).toString('base64url');
    expect((await verifier.verify(`${header}.${forged}.${signature}`)).status).toBe('TAMPERED');
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    expect((await verifier.verify(`${header}.${body}.${flipped}`)).status).toBe('TAMPERED');

    const stranger = await CertificateSigner.create({ signing: newKey('other-1'), verifyOnly: [] });
    expect(await verifier.verify((await stranger.sign(payload)).token)).toMatchObject({ status: 'UNKNOWN_KEY', keyId: 'other-1' });
    // The same kid with another key (a forger who copies the header) is a bad signature.
    const impostor = await CertificateSigner.create({ signing: { ...newKey('x'), kid: DEV_CERTIFICATE_KEY.kid }, verifyOnly: [] });
    expect((await verifier.verify((await impostor.sign(payload)).token)).status).toBe('TAMPERED');

    const revoking = new CertificateVerifier(signer.jwks, { certificateIds: [payload.cid.toUpperCase()] });
    expect(await revoking.verify(token)).toMatchObject({ status: 'REVOKED', payload: { cid: payload.cid } });
    expect((await verifier.verify('not a certificate')).status).toBe('MALFORMED');

    // The header is read by the verifier itself: another algorithm, no kid, an extension it does not implement.
    const withHeader = (h: Record<string, unknown>) => `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${body}.${signature}`;
    expect((await verifier.verify(withHeader({ alg: 'HS256', kid: keyId }))).status).toBe('TAMPERED');
    expect((await verifier.verify(withHeader({ alg: 'EdDSA' }))).status).toBe('MALFORMED');
    expect((await verifier.verify(withHeader({ alg: 'EdDSA', kid: keyId, crit: ['exp'], exp: 1 }))).status).toBe('MALFORMED');
    expect((await verifier.verify(`${header}.${body}.${signature}.x`)).status).toBe('MALFORMED');
    // A kid listed twice is ambiguous: it verifies nothing.
    const twice = new CertificateVerifier({ keys: [...signer.jwks.keys, { ...signer.jwks.keys[0]! }] });
    expect((await twice.verify(token)).status).toBe('UNKNOWN_KEY');
  });

  it('the signer writes the token jose would (Ed25519 is deterministic), which a standard JWS library verifies with the published set', async () => {
    const signer = new CertificateSigner(DEV_CERTIFICATE_KEYS);
    const { token } = signer.sign(payload);
    const joseKey = await importJWK({ ...DEV_CERTIFICATE_KEY, alg: 'EdDSA' }, 'EdDSA');
    const joseToken = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid: DEV_CERTIFICATE_KEY.kid }).sign(joseKey);
    expect(token).toBe(joseToken);
    const verified = await compactVerify(token, createLocalJWKSet(signer.jwks as never));
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual(payload);
    expect(verified.protectedHeader).toEqual({ alg: 'EdDSA', kid: DEV_CERTIFICATE_KEY.kid });
  });

  it('genuinely signed contents of another shape are not a certificate; unknown members are dropped', () => {
    const signer = new CertificateSigner(DEV_CERTIFICATE_KEYS);
    const verifier = new CertificateVerifier(signer.jwks);
    const signed = (contents: unknown) => signer.sign(contents as typeof payload).token;
    expect(verifier.verify(signed({ ...payload, by: '1980' })).status).toBe('MALFORMED');
    expect(verifier.verify(signed({ ...payload, cid: 'not-a-uuid' })).status).toBe('MALFORMED');
    expect(verifier.verify(signed({ ...payload, n: '' })).status).toBe('MALFORMED');
    expect(verifier.verify(signed({ ...payload, d: [['COMIRNATY', '2021-08-01']] })).status).toBe('MALFORMED');
    expect(verifier.verify(signed({ ...payload, d: [['COMIRNATY', '2021-8-1', 1]] })).status).toBe('MALFORMED');
    expect(verifier.verify(signed({ ...payload, d: [['COMIRNATY', '2021-08-01', 0]] })).status).toBe('MALFORMED');
    expect(verifier.verify(signed({ ...payload, v: 2 })).status).toBe('MALFORMED');
    expect(verifier.verify(signed([payload])).status).toBe('MALFORMED');
    expect(verifier.verify(signed({ ...payload, extra: 'x' }))).toEqual({ status: 'VALID', keyId: DEV_CERTIFICATE_KEY.kid, payload });
  });

  it('after a rotation the new key signs, the old one still verifies, both are published, never a private member', async () => {
    const old = newKey('2026-01');
    const before = await CertificateSigner.create({ signing: old, verifyOnly: [] });
    const oldToken = (await before.sign(payload)).token;
    const next = newKey('2026-07');
    const rotated = parseCertificateKeys(JSON.stringify(next), JSON.stringify({ keys: [old] }));
    const after = await CertificateSigner.create(rotated);
    const newToken = (await after.sign(payload)).token;
    expect(after.keyId).toBe('2026-07');
    expect(after.jwks.keys.map((k) => k.kid)).toEqual(['2026-07', '2026-01']);
    expect(JSON.stringify(after.jwks)).not.toMatch(/"d"/);
    expect(after.jwks.keys.every((k) => Object.keys(k).sort().join() === 'alg,crv,kid,kty,use,x')).toBe(true);
    const verifier = new CertificateVerifier(after.jwks);
    expect(await verifier.verify(oldToken)).toMatchObject({ status: 'VALID', keyId: '2026-01' });
    expect((await verifier.verify(newToken)).status).toBe('VALID');
    // Before the rotation the cached set does not know the new key.
    expect((await new CertificateVerifier(before.jwks).verify(newToken)).status).toBe('UNKNOWN_KEY');
  });

  it('refuses a key configuration that is not an Ed25519 key with a kid, or that reuses the signing kid for another key', () => {
    expect(() => parseCertificateKeys(JSON.stringify({ ...DEV_CERTIFICATE_KEY, kid: undefined }), undefined)).toThrow(/kid/);
    expect(() => parseCertificateKeys(JSON.stringify({ ...DEV_CERTIFICATE_KEY, crv: 'P-256' }), undefined)).toThrow();
    expect(() => parseCertificateKeys(JSON.stringify({ ...DEV_CERTIFICATE_KEY, d: undefined }), undefined)).toThrow(/d/);
    expect(() => parseCertificateKeys(JSON.stringify(DEV_CERTIFICATE_KEY), JSON.stringify([{ ...newKey('z'), kid: DEV_CERTIFICATE_KEY.kid }]))).toThrow(/another public key/);
    expect(() => parseCertificateKeys('{', undefined)).toThrow();
    expect(publishedJwks(parseCertificateKeys(JSON.stringify(DEV_CERTIFICATE_KEY), JSON.stringify([DEV_CERTIFICATE_KEY]))).keys).toHaveLength(1);
  });

  it('the example: exit code and line per outcome, from files only', async () => {
    const signer = await CertificateSigner.create(DEV_CERTIFICATE_KEYS);
    const { token, qrPayload } = await signer.sign(payload);
    const dir = mkdtempSync(join(tmpdir(), 'verify-certificate-'));
    const jwks = join(dir, 'jwks.json');
    const revocations = join(dir, 'revocations.json');
    const scanned = join(dir, 'scanned.txt');
    writeFileSync(jwks, JSON.stringify(signer.jwks));
    writeFileSync(revocations, JSON.stringify({ updatedAt: '2026-03-02T00:00:00Z', certificateIds: [payload.cid] }));
    writeFileSync(scanned, `${qrPayload}\n`);

    const valid = await main(['--jwks', jwks, '--token-file', scanned]);
    expect(valid).toMatchObject({ code: 0, message: expect.stringContaining('VALID: Nguyễn Văn An (1980)') });
    expect((await main(['--jwks', jwks, '--revocations', revocations, token])).code).toBe(EXIT_CODES.REVOKED);
    expect((await main(['--jwks', jwks, token.slice(0, -4) + 'AAAA'])).code).toBe(EXIT_CODES.TAMPERED);
    expect((await main(['--jwks', jwks, 'garbage'])).code).toBe(EXIT_CODES.MALFORMED);
    expect((await main([token])).code).toBe(USAGE_EXIT_CODE);
    expect((await main(['--jwks', join(dir, 'missing.json'), token])).code).toBe(USAGE_EXIT_CODE);
  });

  it('the example in batch: one line per certificate in file order, the exit code of the first refusal, the same over two threads', async () => {
    const signer = new CertificateSigner(DEV_CERTIFICATE_KEYS);
    const tokens = Array.from({ length: 6 }, (_, i) => signer.sign({ ...payload, cid: `3b0c8a4e-7c1f-4b7e-9c55-00000000000${i}` }).qrPayload);
    const tampered = tokens[3]!.slice(0, -4) + (tokens[3]!.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const dir = mkdtempSync(join(tmpdir(), 'verify-batch-'));
    const jwks = join(dir, 'jwks.json');
    const revocations = join(dir, 'revocations.json');
    const batch = join(dir, 'scans.txt');
    writeFileSync(jwks, JSON.stringify(signer.jwks));
    writeFileSync(revocations, JSON.stringify({ updatedAt: '2026-03-02T00:00:00Z', certificateIds: ['3b0c8a4e-7c1f-4b7e-9c55-000000000005'] }));
    writeFileSync(batch, [tokens[0], tokens[1], '', tokens[2], tampered, 'garbage', tokens[5]].join('\n'));

    const one = await main(['--jwks', jwks, '--revocations', revocations, '--batch', batch]);
    const lines = one.message.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => l.split(':')[0])).toEqual(['1', '2', '4', '5', '6', '7']);
    expect(lines[0]).toContain('VALID: Nguyễn Văn An');
    expect(lines[3]).toContain('tampered');
    expect(lines[4]).toContain('NOT A CERTIFICATE');
    expect(lines[5]).toContain('REVOKED');
    expect(one.code).toBe(EXIT_CODES.TAMPERED);
    expect(await main(['--jwks', jwks, '--revocations', revocations, '--batch', batch, '--threads', '2'])).toEqual(one);

    writeFileSync(batch, tokens.slice(0, 5).join('\n'));
    expect((await main(['--jwks', jwks, '--batch', batch, '--threads', '2'])).code).toBe(0);
    const outcomes = await verifyBatch(signer.jwks, undefined, [...tokens, 'x'], 3);
    expect(outcomes.map((o) => o.status)).toEqual(['VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'MALFORMED']);
    expect(outcomes.map((o) => (o.status === 'VALID' ? o.payload.cid.slice(-1) : null))).toEqual(['0', '1', '2', '3', '4', '5', null]);
    // --threads only with --batch, and a positive count.
    expect((await main(['--jwks', jwks, '--threads', '2', tokens[0]!])).code).toBe(USAGE_EXIT_CODE);
    expect((await main(['--jwks', jwks, '--batch', batch, '--threads', '0'])).code).toBe(USAGE_EXIT_CODE);
    expect((await main(['--jwks', jwks, '--batch', batch, tokens[0]!])).code).toBe(USAGE_EXIT_CODE);
  });

  it('keys are configuration: the development key outside production, refused at start in production without CERTIFICATE_SIGNING_KEY, every problem reported', () => {
    expect(parseEnv({}).certificateKeys).toEqual(DEV_CERTIFICATE_KEYS);
    const secrets = { JWT_SECRET: 'j'.repeat(32), INTERNAL_TOKEN_SECRET: 'i'.repeat(32), NATIONAL_ID_KEY: 'n'.repeat(32) };
    const production = parseEnv({ NODE_ENV: 'production', ...secrets });
    // The gateway and the other services start; a process that signs does not.
    expect(production.certificateKeys).toBeUndefined();
    expect(() => requireCertificateKeys(production.certificateKeys)).toThrow(/CERTIFICATE_SIGNING_KEY: required when NODE_ENV=production/);
    const key = newKey('prod-2026');
    const old = newKey('prod-2025');
    const configured = parseEnv({ NODE_ENV: 'production', ...secrets, CERTIFICATE_SIGNING_KEY: JSON.stringify(key), CERTIFICATE_VERIFY_KEYS: JSON.stringify([old]) });
    expect(requireCertificateKeys(configured.certificateKeys)).toEqual({ signing: key, verifyOnly: [{ kty: 'OKP', crv: 'Ed25519', x: old.x, kid: old.kid }] });
    let message = '';
    try {
      parseEnv({ CERTIFICATE_SIGNING_KEY: '{"kty":"OKP"}', GATEWAY_PORT: 'abc' });
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      message = (error as Error).message;
    }
    expect(message).toContain('GATEWAY_PORT');
    expect(message).toContain('CERTIFICATE_SIGNING_KEY');
    expect(() => parseEnv({ CERTIFICATE_VERIFY_KEYS: '[]' })).toThrow(/without CERTIFICATE_SIGNING_KEY/);
  });
});
