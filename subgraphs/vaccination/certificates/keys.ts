import { createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * The certificate keys (khoá ký chứng nhận tiêm chủng): one Ed25519 key signs, older ones still
 * verify, so a rotation keeps every certificate already issued valid. Keys are configuration
 * (CERTIFICATE_SIGNING_KEY, CERTIFICATE_VERIFY_KEYS; subgraphs/shared/env.ts), never data.
 */

/** The one algorithm certificates use: EdDSA over Ed25519 (64-byte signatures, the smallest QR). */
export const CERTIFICATE_ALG = 'EdDSA';

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/);
const kid = z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'a kid of 1 to 40 letters, digits, dot, dash or underscore');

/** A public Ed25519 JWK with its key id, as verifiers get it. */
export const publicJwkSchema = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64url, kid });
/** The signing key: the public members plus the private `d`. */
export const privateJwkSchema = publicJwkSchema.extend({ d: b64url });

export type PublicCertificateJwk = z.infer<typeof publicJwkSchema>;
export type PrivateCertificateJwk = z.infer<typeof privateJwkSchema>;

export interface CertificateKeyConfig {
  signing: PrivateCertificateJwk;
  /** Rotated-out keys: they verify (and are published) but never sign. */
  verifyOnly: readonly PublicCertificateJwk[];
}

/** A published key set (RFC 7517 JWK Set): public members only. */
export interface CertificateJwks {
  keys: Array<PublicCertificateJwk & { alg: typeof CERTIFICATE_ALG; use: 'sig' }>;
}

/**
 * DEVELOPMENT ONLY, like DEV_SECRETS in subgraphs/shared/env.ts: committed so that every process
 * of a development hub (gateway, services, tests, another developer's machine) signs and
 * publishes the same key without sharing a data folder; certificates signed with it prove
 * nothing. NODE_ENV=production refuses to start without CERTIFICATE_SIGNING_KEY.
 */
export const DEV_CERTIFICATE_KEY: PrivateCertificateJwk = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: 'bhuwkXtN9wIR804kuOtIH7rOq_zC8Zm7ZAAmM039J6Y',
  d: '6O-jLcxJ5qOxNWRaUaX1zM6rFCyBUOT8QN7mkoBAjm4',
  kid: 'dev-2026',
};

export const DEV_CERTIFICATE_KEYS: CertificateKeyConfig = { signing: DEV_CERTIFICATE_KEY, verifyOnly: [] };

/** The public part of a key: only the members named here ever leave the process (never `d`). */
export function publicPart(jwk: PublicCertificateJwk): PublicCertificateJwk {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: jwk.kid };
}

/** The JWKS to publish: the signing key first, then every verify-only key (a kid listed once). */
export function publishedJwks(config: CertificateKeyConfig): CertificateJwks {
  const seen = new Set<string>();
  const keys: CertificateJwks['keys'] = [];
  for (const jwk of [config.signing, ...config.verifyOnly]) {
    if (seen.has(jwk.kid)) continue;
    seen.add(jwk.kid);
    keys.push({ ...publicPart(jwk), alg: CERTIFICATE_ALG, use: 'sig' });
  }
  return { keys };
}

/** Problems of a key configuration, in words for an operator (empty when it is usable). */
export function keyConfigProblems(config: CertificateKeyConfig): string[] {
  const problems: string[] = [];
  const clash = config.verifyOnly.find((k) => k.kid === config.signing.kid && k.x !== config.signing.x);
  if (clash) problems.push(`the verify-only key ${clash.kid} has the signing key's kid but another public key`);
  return problems;
}

/** The signing key as a node KeyObject, imported once (a bad key fails here, not at the first certificate). */
export function signingKeyObject(jwk: PrivateCertificateJwk): KeyObject {
  return createPrivateKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, format: 'jwk' });
}

/**
 * Parses the two variables' JSON (a private JWK; a JSON array of public JWKs or a JWKS object),
 * throwing one message per problem. Called by subgraphs/shared/env.ts.
 */
export function parseCertificateKeys(signing: string, verifyOnly: string | undefined): CertificateKeyConfig {
  const signingKey = privateJwkSchema.parse(JSON.parse(signing));
  const rawVerify: unknown = verifyOnly ? JSON.parse(verifyOnly) : [];
  const list = Array.isArray(rawVerify) ? rawVerify : z.object({ keys: z.array(z.unknown()) }).parse(rawVerify).keys;
  // A private member given here by mistake is dropped, never published.
  const verify = list.map((k) => publicPart(publicJwkSchema.parse(k)));
  const config = { signing: signingKey, verifyOnly: verify };
  const problems = keyConfigProblems(config);
  if (problems.length) throw new Error(problems.join('; '));
  return config;
}
