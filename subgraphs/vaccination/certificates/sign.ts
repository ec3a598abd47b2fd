import { sign as signEd25519, type KeyObject } from 'node:crypto';
import { CERTIFICATE_ALG, publishedJwks, signingKeyObject, type CertificateJwks, type CertificateKeyConfig } from './keys.ts';
import { QR_PREFIX, type CertificatePayload } from './payload.ts';

export interface SignedCertificate {
  /** The compact JWS (header.payload.signature). */
  token: string;
  /** What the QR code holds: the JWS behind QR_PREFIX. */
  qrPayload: string;
  keyId: string;
}

/**
 * Signs certificates with the configured signing key; publishes the public key set.
 *
 * The compact JWS (RFC 7515) is assembled here and signed by one synchronous node crypto.sign
 * with a KeyObject imported once: the same bytes jose's CompactSign produces (Ed25519 is
 * deterministic), at about seven times its rate (tests/bench/certificates.bench.ts), because
 * jose signs through WebCrypto, a promise and a key check per signature.
 */
export class CertificateSigner {
  readonly jwks: CertificateJwks;
  readonly keyId: string;
  private readonly key: KeyObject;
  /** The encoded protected header, the same for every certificate. No `typ`: every byte of it is a byte of the QR. */
  private readonly encodedHeader: string;

  constructor(config: CertificateKeyConfig) {
    this.jwks = publishedJwks(config);
    this.keyId = config.signing.kid;
    this.key = signingKeyObject(config.signing);
    this.encodedHeader = Buffer.from(JSON.stringify({ alg: CERTIFICATE_ALG, kid: this.keyId })).toString('base64url');
  }

  /** Kept for callers that built the signer asynchronously; the key is imported by the constructor. */
  static async create(config: CertificateKeyConfig): Promise<CertificateSigner> {
    return new CertificateSigner(config);
  }

  sign(payload: CertificatePayload): SignedCertificate {
    const signingInput = `${this.encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const token = `${signingInput}.${signEd25519(null, Buffer.from(signingInput, 'latin1'), this.key).toString('base64url')}`;
    return { token, qrPayload: `${QR_PREFIX}${token}`, keyId: this.keyId };
  }
}
