import type { ServerResponse } from 'node:http';
import { badInput, hubError } from '../../shared/errors.ts';
import type { Route } from '../../shared/http.ts';
import type { Identity } from '../../shared/identity.ts';
import { requireUuid } from '../../shared/validate.ts';
import { certificateRefusal, revocationRefusal } from '../access.ts';
import type { VaccinationAuditTrail } from '../audit.ts';
import type { GraphInputs } from '../graph-inputs.ts';
import type { VaccinationLoaders } from '../loaders.ts';
import type { VaccinationRepositories } from '../repositories/index.ts';
import { revocationInput } from '../validation.ts';
import { issueCertificate, type IssuedCertificate } from './issue.ts';
import type { CertificateSigner } from './sign.ts';

export interface CertificateDeskDeps {
  identity: Identity;
  repos: VaccinationRepositories;
  loaders: VaccinationLoaders;
  audit: VaccinationAuditTrail;
  inputs: GraphInputs;
  signer: CertificateSigner;
}

/** A revocation as `revokeVaccinationCertificate` answers it. */
export interface Revocation {
  certificateId: string;
  revokedAt: Date;
  reason: string;
  /** True when the certificate had been revoked before (this call changed nothing). */
  alreadyRevoked: boolean;
}

/**
 * Certificates for one request: issuing (judged by the policy, then audited, then the person's
 * name and birth year read through the graph as the service) and revoking.
 */
export class CertificateDesk {
  constructor(private readonly deps: CertificateDeskDeps) {}

  /** The person's certificate; null when no dose is recorded or the person is not registered. */
  async certificateOf(personIdArg: string): Promise<IssuedCertificate | null> {
    const { identity, repos, loaders, audit, inputs, signer } = this.deps;
    const personId = requireUuid(personIdArg, 'personId').toLowerCase();
    const status = await loaders.statusRow.load(personId);
    const refusal = certificateRefusal(identity, personId, status?.provinceCode ?? null);
    audit.record(personId, refusal ? 'DENIED' : 'ALLOWED', ['vaccinationCertificate']);
    if (refusal) throw hubError('FORBIDDEN', refusal);
    // The name through the graph (two hops, most of the request's time) while the doses are read;
    // its failure counts only when there are doses to certify.
    const personRead = inputs.person(personId);
    personRead.catch(() => {});
    const doses = await repos.doses.byPersonIds([personId], { kind: 'ALL' });
    if (doses.length === 0) return null;
    const person = await personRead;
    if (!person) return null;
    return issueCertificate({ signer, certificates: repos.certificates }, personId, person, doses);
  }

  async revoke(certificateIdArg: string, reasonArg: string, now = new Date()): Promise<Revocation> {
    const { identity, repos, loaders } = this.deps;
    const input = revocationInput(certificateIdArg, reasonArg);
    if (!input.ok) throw badInput(input.message, input.field);
    const certificate = await repos.certificates.byId(input.certificateId);
    if (!certificate) throw badInput('There is no certificate with this id.', 'certificateId');
    const status = await loaders.statusRow.load(certificate.personId);
    const refusal = revocationRefusal(identity, status?.provinceCode ?? null);
    if (refusal) throw hubError('FORBIDDEN', refusal);
    const outcome = await repos.certificates.revoke(input.certificateId, identity.subject, input.reason, now);
    if (outcome.kind === 'NOT_FOUND') throw badInput('There is no certificate with this id.', 'certificateId');
    const row = outcome.row;
    return { certificateId: row.id, revokedAt: row.revokedAt!, reason: row.revocationReason!, alreadyRevoked: outcome.kind === 'ALREADY_REVOKED' };
  }
}

function sendCached(res: ServerResponse, body: unknown, cacheControl: string): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': cacheControl }).end(JSON.stringify(body));
}

/**
 * The public documents a verifier caches, served by the subgraph and relayed by the gateway
 * (gateway/well-known.ts): the key set (changes only with a deployment: an hour) and the
 * revocation list (five minutes: a revocation reaches online verifiers within that).
 */
export function certificateRoutes(signer: CertificateSigner, repos: Pick<VaccinationRepositories, 'certificates'>): Record<string, Route> {
  return {
    '/.well-known/jwks.json': (_req, res) => sendCached(res, signer.jwks, 'public, max-age=3600'),
    '/.well-known/certificate-revocations.json': async (_req, res) => {
      const list = await repos.certificates.revocations();
      sendCached(res, { updatedAt: (list.updatedAt ?? new Date(0)).toISOString(), certificateIds: list.certificateIds }, 'public, max-age=300');
    },
  };
}
