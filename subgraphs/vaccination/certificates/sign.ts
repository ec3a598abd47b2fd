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
  readonly jwks: CertificateJwks;
  readonly keyId: string;
  /** Imported at the first signature, so a subgraph is built synchronously. */
  private key: Promise<CryptoKey> | undefined;

  constructor(private readonly config: CertificateKeyConfig) {
    this.jwks = publishedJwks(config);
    this.keyId = config.signing.kid;
  }

  /** A signer whose key is already imported (a bad key fails here, not at the first certificate). */
  static async create(config: CertificateKeyConfig): Promise<CertificateSigner> {
    const signer = new CertificateSigner(config);
    await signer.signingKey();
    return signer;
  }

  private signingKey(): Promise<CryptoKey> {
    this.key ??= importSigningKey(this.config.signing).then((k) => k.key);
    return this.key;
  }

  async sign(payload: CertificatePayload): Promise<SignedCertificate> {
    // No `typ`: every byte of the header is a byte of the QR.
    const token = await new CompactSign(encoder.encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: CERTIFICATE_ALG, kid: this.keyId })
      .sign(await this.signingKey());
    return { token, qrPayload: `${QR_PREFIX}${token}`, keyId: this.keyId };
  }
}
