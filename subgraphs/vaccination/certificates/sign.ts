import { CompactSign, type CryptoKey } from 'jose';
import { CERTIFICATE_ALG, importSigningKey, publishedJwks, type CertificateJwks, type CertificateKeyConfig } from './keys.ts';
import { QR_PREFIX, type CertificatePayload } from './payload.ts';

export interface SignedCertificate {
  /** The compact JWS (header.payload.signature). */
  token: string;
  /** What the QR code holds: the JWS behind QR_PREFIX. */
  qrPayload: string;
  keyId: string;
}

const encoder = new TextEncoder();

/** Signs certificates with the configured signing key; publishes the public key set. */
export class CertificateSigner {
  private constructor(
    private readonly signing: { kid: string; key: CryptoKey },
    readonly jwks: CertificateJwks,
  ) {}

  static async create(config: CertificateKeyConfig): Promise<CertificateSigner> {
    return new CertificateSigner(await importSigningKey(config.signing), publishedJwks(config));
  }

  get keyId(): string {
    return this.signing.kid;
  }

  async sign(payload: CertificatePayload): Promise<SignedCertificate> {
    // No `typ`: every byte of the header is a byte of the QR.
    const token = await new CompactSign(encoder.encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: CERTIFICATE_ALG, kid: this.signing.kid })
      .sign(this.signing.key);
    return { token, qrPayload: `${QR_PREFIX}${token}`, keyId: this.signing.kid };
  }
}
