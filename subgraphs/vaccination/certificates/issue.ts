import { createHash } from 'node:crypto';
import type { CertificateRepository } from '../repositories/certificates.ts';
import type { PersonIdentity } from '../graph-inputs.ts';
import { buildPayload, type CertificateDose } from './payload.ts';
import type { CertificateSigner, SignedCertificate } from './sign.ts';

export interface IssuedCertificate extends SignedCertificate {
  certificateId: string;
  issuedAt: Date;
}

/**
 * Issues a person's certificate from their doses and identity: the same content gives the same
 * certificate (id, issue time, and so the same token while the signing key is the same);
 * another content, or a revocation, a new one. The caller has been judged already.
 */
export async function issueCertificate(
  deps: { signer: CertificateSigner; certificates: CertificateRepository },
  personId: string,
  person: PersonIdentity,
  doses: readonly CertificateDose[],
): Promise<IssuedCertificate> {
  const content = buildPayload({ certificateId: '00000000-0000-4000-8000-000000000000', issuedAt: new Date(0), ...person, doses });
  const contentHash = createHash('sha256').update(JSON.stringify([content.n, content.by, content.d])).digest('base64url');
  const row = await deps.certificates.current(personId, contentHash);
  const signed = await deps.signer.sign({ ...content, cid: row.id, iat: Math.floor(row.issuedAt.getTime() / 1000) });
  return { ...signed, certificateId: row.id, issuedAt: new Date(Math.floor(row.issuedAt.getTime() / 1000) * 1000) };
}
