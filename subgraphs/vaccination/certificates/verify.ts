import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { z } from 'zod';
import { CERTIFICATE_ALG } from './keys.ts';
import { parsePayload, tokenFromQr, type CertificatePayload } from './payload.ts';

/**
 * Offline verification of a certificate: the one function examples/verify-certificate.ts, the
 * tests and the benchmark share. It reads nothing but its arguments (a cached JWKS and a cached
 * revocation list): no network, no clock.
 */

export type VerifyOutcome =
  | { status: 'VALID'; keyId: string; payload: CertificatePayload }
  /** The signature does not match the contents (or the header names another algorithm). */
  | { status: 'TAMPERED'; keyId: string | null; why: string }
  /** Signed with a key the cached JWKS does not list (another issuer, or a JWKS older than the key). */
  | { status: 'UNKNOWN_KEY'; keyId: string | null; why: string }
  /** Genuine, but listed in the revocation list. */
  | { status: 'REVOKED'; keyId: string; payload: CertificatePayload }
  /** Not a certificate at all: not a compact JWS, no key id, or contents of another shape. */
  | { status: 'MALFORMED'; why: string };

export type VerifyStatus = VerifyOutcome['status'];

/** The published revocation list (GET /.well-known/certificate-revocations.json on the gateway). */
export const revocationListSchema = z.object({
  updatedAt: z.string(),
  certificateIds: z.array(z.string()),
});
export type RevocationList = z.infer<typeof revocationListSchema>;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a protected header decides before the signature is checked: the key, or the outcome. */
type HeaderVerdict = { kid: string; key: KeyObject } | Exclude<VerifyOutcome, { status: 'VALID' | 'REVOKED' }>;

/** Distinct headers remembered (a key set has a few kids; a stream of forged headers must not grow memory). */
const MAX_CACHED_HEADERS = 64;

export class CertificateVerifier {
  /**
   * Each listed key by kid, imported once as a node KeyObject (null: unusable, or a kid listed
   * twice, which is ambiguous and verifies nothing). A certificate is then one synchronous
   * crypto.verify: jose's verify goes through WebCrypto, whose promise per call halved the rate.
   */
  private readonly keys = new Map<string, KeyObject | null>();
  private readonly revoked: ReadonlySet<string>;
  /** Verdicts by encoded header: every certificate of one key has the same header, decoded once. */
  private readonly headers = new Map<string, HeaderVerdict>();

  constructor(jwks: JSONWebKeySet, revocations: Pick<RevocationList, 'certificateIds'> = { certificateIds: [] }) {
    for (const jwk of jwks.keys) {
      // Only Ed25519 signing keys count.
      if (typeof jwk.kid !== 'string' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      this.keys.set(jwk.kid, this.keys.has(jwk.kid) ? null : importKey(jwk));
    }
    this.revoked = new Set(revocations.certificateIds.map((id) => id.toLowerCase()));
  }

  /**
   * Verifies a certificate, given as its token or as the QR text (with its prefix): a compact JWS
   * (RFC 7515), exactly three base64url parts, whose header names EdDSA and a key of the set, and
   * nothing this verifier does not understand (`crit`, unencoded payloads). Synchronous: no I/O.
   */
  verify(tokenOrQr: string): VerifyOutcome {
    const parts = tokenFromQr(tokenOrQr).split('.');
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return { status: 'MALFORMED', why: 'not a compact JWS' };
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
    const verdict = this.headerVerdict(encodedHeader);
    if (!('key' in verdict)) return verdict;
    const { kid, key } = verdict;
    const signature = Buffer.from(encodedSignature, 'base64url');
    const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'latin1');
    if (signature.length !== ED25519_SIGNATURE_BYTES || !verifySignature(null, signed, key, signature)) {
      return { status: 'TAMPERED', keyId: kid, why: 'the signature does not match the contents' };
    }
    let payload: CertificatePayload | null;
    try {
      payload = parsePayload(JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8')));
    } catch {
      payload = null;
    }
    if (!payload) return { status: 'MALFORMED', why: 'the signed contents are not a certificate' };
    if (this.revoked.has(payload.cid.toLowerCase())) return { status: 'REVOKED', keyId: kid, payload };
    return { status: 'VALID', keyId: kid, payload };
  }

  private headerVerdict(encodedHeader: string): HeaderVerdict {
    const cached = this.headers.get(encodedHeader);
    if (cached) return cached;
    const verdict = this.judgeHeader(encodedHeader);
    if (this.headers.size < MAX_CACHED_HEADERS) this.headers.set(encodedHeader, verdict);
    return verdict;
  }

  private judgeHeader(encodedHeader: string): HeaderVerdict {
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
    } catch {
      return { status: 'MALFORMED', why: 'not a compact JWS' };
    }
    if (!isRecord(header)) return { status: 'MALFORMED', why: 'not a compact JWS' };
    if (header.crit !== undefined || header.b64 !== undefined) return { status: 'MALFORMED', why: 'the header asks for an extension this verifier does not implement' };
    const kid = typeof header.kid === 'string' ? header.kid : null;
    if (header.alg !== CERTIFICATE_ALG) return { status: 'TAMPERED', keyId: kid, why: `the header names an algorithm other than ${CERTIFICATE_ALG}` };
    if (kid === null) return { status: 'MALFORMED', why: 'the header names no key (kid)' };
    const key = this.keys.get(kid);
    if (!key) return { status: 'UNKNOWN_KEY', keyId: kid, why: `no key ${kid} in the key set` };
    return { kid, key };
  }
}

const ED25519_SIGNATURE_BYTES = 64;

/** A listed public key as a KeyObject; null when its members are not a valid Ed25519 key. */
function importKey(jwk: JWK): KeyObject | null {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x) }, format: 'jwk' });
  } catch {
    return null;
  }
}

/** The example's exit code for each outcome (0 only for a valid certificate). */
export const EXIT_CODES: Readonly<Record<VerifyStatus, number>> = {
  VALID: 0,
  TAMPERED: 3,
  UNKNOWN_KEY: 4,
  REVOKED: 5,
  MALFORMED: 6,
};

/** One line for a person at a checkpoint, Vietnamese then English. */
export function describeOutcome(outcome: VerifyOutcome): string {
  switch (outcome.status) {
    case 'VALID': {
      const doses = outcome.payload.d.map(([product, day, n]) => `${n}: ${product} ${day}`).join(', ');
      return `HỢP LỆ / VALID: ${outcome.payload.n} (${outcome.payload.by}), ${outcome.payload.d.length} mũi / doses [${doses}], key ${outcome.keyId}, certificate ${outcome.payload.cid}`;
    }
    case 'REVOKED':
      return `ĐÃ THU HỒI / REVOKED: certificate ${outcome.payload.cid} has been revoked`;
    case 'TAMPERED':
      return `KHÔNG HỢP LỆ / INVALID (tampered): ${outcome.why}`;
    case 'UNKNOWN_KEY':
      return `KHÔNG XÁC MINH ĐƯỢC / UNKNOWN KEY: ${outcome.why}; refresh the cached key set`;
    case 'MALFORMED':
      return `KHÔNG PHẢI CHỨNG NHẬN / NOT A CERTIFICATE: ${outcome.why}`;
  }
}
