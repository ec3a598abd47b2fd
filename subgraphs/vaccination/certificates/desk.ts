import type { ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import { badInput, hubError } from '../../shared/errors.ts';
import type { Route } from '../../shared/http.ts';
import type { Identity } from '../../shared/identity.ts';
import { requireUuid } from '../../shared/validate.ts';
import { certificateRefusal, revocationRefusal } from '../access.ts';
import type { VaccinationAuditTrail } from '../audit.ts';
import type { GraphInputs, PersonIdentity } from '../graph-inputs.ts';
import type { DoseRow } from '../db/models.ts';
import type { VaccinationLoaders } from '../loaders.ts';
import type { VaccinationRepositories } from '../repositories/index.ts';
import { revocationInput } from '../validation.ts';
import { issueCertificates, type IssuedCertificate } from './issue.ts';
import type { CertificateSigner } from './sign.ts';

/** People per `vaccinationCertificates` request: a list a service or an official issues at once (a school, a company). */
export const MAX_CERTIFICATES_PER_REQUEST = 500;

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
 * Certificates for one request: issuing (judged by the policy, then audited, then the people's
 * names and birth years read through the graph as the service) and revoking.
 */
export class CertificateDesk {
  constructor(private readonly deps: CertificateDeskDeps) {}

  /** The person's certificate; null when no dose is recorded or the person is not registered. */
  async certificateOf(personId: string): Promise<IssuedCertificate | null> {
    const [entry] = await this.certificatesOf([personId], 'personId');
    if (entry instanceof Error) throw entry;
    return entry ?? null;
  }

  /**
   * Certificates of many people in the order asked, each judged and audited on its own: a
   * certificate, null (no dose, or not registered), or the error at its position (FORBIDDEN).
   * Whatever their number: one read of statuses, one of doses, one of names through the graph (as
   * the service, only for those the caller may have, while the doses are read), two statements
   * for the certificate rows.
   */
  async certificatesOf(personIdArgs: readonly string[], argument = 'personIds'): Promise<Array<IssuedCertificate | null | GraphQLError>> {
    const { identity, repos, loaders, audit, inputs, signer } = this.deps;
    if (personIdArgs.length > MAX_CERTIFICATES_PER_REQUEST) {
      throw badInput(`At most ${MAX_CERTIFICATES_PER_REQUEST} people per request; this one names ${personIdArgs.length}.`, argument);
    }
    const personIds = personIdArgs.map((id) => requireUuid(id, argument).toLowerCase());
    const statuses = await loaders.statusRow.loadMany(personIds);
    const refusals = personIds.map((personId, i) => {
      const status = statuses[i];
      if (status instanceof Error) throw status;
      const refusal = certificateRefusal(identity, personId, status?.provinceCode ?? null);
      audit.record(personId, refusal ? 'DENIED' : 'ALLOWED', ['vaccinationCertificate']);
      return refusal;
    });
    const allowed = [...new Set(personIds.filter((_, i) => !refusals[i]))];
    // The names through the graph (two hops, most of the request's time) while the doses are read;
    // its failure counts only when there are doses to certify.
    const peopleRead = inputs.people(allowed);
    peopleRead.catch(() => {});
    const dosesOf = new Map<string, DoseRow[]>();
    for (const dose of allowed.length ? await repos.doses.byPersonIds(allowed, { kind: 'ALL' }) : []) dosesOf.set(dose.personId, [...(dosesOf.get(dose.personId) ?? []), dose]);
    const people = dosesOf.size ? await peopleRead : new Map<string, PersonIdentity | null>();
    const requests = allowed.flatMap((personId) => {
      const person = people.get(personId);
      const doses = dosesOf.get(personId);
      return person && doses ? [{ personId, person, doses }] : [];
    });
    const issued = new Map((await issueCertificates({ signer, certificates: repos.certificates }, requests)).map((certificate, i) => [requests[i]!.personId, certificate]));
    return personIds.map((personId, i) => (refusals[i] ? hubError('FORBIDDEN', refusals[i]) : (issued.get(personId) ?? null)));
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
