import { createHash } from 'node:crypto';
import type { CertificateRepository } from '../repositories/certificates.ts';
import type { PersonIdentity } from '../graph-inputs.ts';
import { buildPayload, type CertificateDose } from './payload.ts';
import type { CertificateSigner, SignedCertificate } from './sign.ts';

export interface IssuedCertificate extends SignedCertificate {
  certificateId: string;
  issuedAt: Date;
}

/** A person to certify: their identity (declarations) and doses. */
export interface CertificateRequest {
  personId: string;
  person: PersonIdentity;
  doses: readonly CertificateDose[];
}

/**
 * Issues people's certificates from their doses and identity, in the order asked: the same
 * content gives the same certificate (id, issue time, and so the same token while the signing key
 * is the same); another content, or a revocation, a new one. The rows of any number of people in
 * two statements (CertificateRepository.currentMany). The caller has been judged already.
 */
export async function issueCertificates(
  deps: { signer: CertificateSigner; certificates: CertificateRepository },
  requests: readonly CertificateRequest[],
): Promise<IssuedCertificate[]> {
  const contents = requests.map(({ person, doses }) => buildPayload({ certificateId: '00000000-0000-4000-8000-000000000000', issuedAt: new Date(0), ...person, doses }));
  const rows = await deps.certificates.currentMany(
    requests.map((request, i) => ({
      personId: request.personId,
      contentHash: createHash('sha256').update(JSON.stringify([contents[i]!.n, contents[i]!.by, contents[i]!.d])).digest('base64url'),
    })),
  );
  return rows.map((row, i) => {
    const signed = deps.signer.sign({ ...contents[i]!, cid: row.id, iat: Math.floor(row.issuedAt.getTime() / 1000) });
    return { ...signed, certificateId: row.id, issuedAt: new Date(Math.floor(row.issuedAt.getTime() / 1000) * 1000) };
  });
}
