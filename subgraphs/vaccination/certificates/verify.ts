import { compactVerify, errors, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { z } from 'zod';
import { CERTIFICATE_ALG } from './keys.ts';
import { payloadSchema, tokenFromQr, type CertificatePayload } from './payload.ts';

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

/** The header names a key the set does not hold (or none). */
class NoKey extends Error {}

const decoder = new TextDecoder();

export class CertificateVerifier {
  /** Each listed key by kid, imported on first use (a set lookup per certificate costs a third of the rate). */
  private readonly keys = new Map<string, { jwk: JWK; imported?: Promise<CryptoKey> }>();
  private readonly revoked: ReadonlySet<string>;

  constructor(jwks: JSONWebKeySet, revocations: Pick<RevocationList, 'certificateIds'> = { certificateIds: [] }) {
    for (const jwk of jwks.keys) {
      // Only Ed25519 signing keys count; a kid listed twice is ambiguous and verifies nothing.
      if (typeof jwk.kid !== 'string' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      if (this.keys.has(jwk.kid)) this.keys.set(jwk.kid, { jwk: {} });
      else this.keys.set(jwk.kid, { jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } as JWK });
    }
    this.revoked = new Set(revocations.certificateIds.map((id) => id.toLowerCase()));
  }

  private key(kid: string): Promise<CryptoKey> | null {
    const entry = this.keys.get(kid);
    if (!entry || !entry.jwk.x) return null;
    entry.imported ??= importJWK(entry.jwk, CERTIFICATE_ALG) as Promise<CryptoKey>;
    return entry.imported;
  }

  /** Verifies a certificate, given as its token or as the QR text (with its prefix). */
  async verify(tokenOrQr: string): Promise<VerifyOutcome> {
    const token = tokenFromQr(tokenOrQr);
    // Set by the key lookup, which jose calls with the parsed header (the header is parsed once).
    let kid: string | null = null;
    let bytes: Uint8Array;
    try {
      ({ payload: bytes } = await compactVerify(
        token,
        (header) => {
          kid = typeof header.kid === 'string' ? header.kid : null;
          const key = kid ? this.key(kid) : null;
          if (!key) throw new NoKey();
          return key;
        },
        { algorithms: [CERTIFICATE_ALG] },
      ));
    } catch (error) {
      if (error instanceof NoKey) return kid ? { status: 'UNKNOWN_KEY', keyId: kid, why: `no key ${kid} in the key set` } : { status: 'MALFORMED', why: 'the header names no key (kid)' };
      if (error instanceof errors.JWSSignatureVerificationFailed) return { status: 'TAMPERED', keyId: kid, why: 'the signature does not match the contents' };
      if (error instanceof errors.JOSEAlgNotAllowed) return { status: 'TAMPERED', keyId: kid, why: `the header names an algorithm other than ${CERTIFICATE_ALG}` };
      return { status: 'MALFORMED', why: error instanceof errors.JWSInvalid ? 'not a compact JWS' : (error as Error).message };
    }
    const keyId: string = kid!;
    let payload: CertificatePayload;
    try {
      payload = payloadSchema.parse(JSON.parse(decoder.decode(bytes))) as CertificatePayload;
    } catch {
      return { status: 'MALFORMED', why: 'the signed contents are not a certificate' };
    }
    if (this.revoked.has(payload.cid.toLowerCase())) return { status: 'REVOKED', keyId, payload };
    return { status: 'VALID', keyId, payload };
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
