import type { VaccinationContext } from './context.ts';

/** Certificates (certificates/desk.ts decides, audits and issues). */
export const CertificateQuery = {
  vaccinationCertificate: (_: unknown, { personId }: { personId: string }, ctx: VaccinationContext) => ctx.certificates.certificateOf(personId),
  vaccinationCertificates: (_: unknown, { personIds }: { personIds: string[] }, ctx: VaccinationContext) => ctx.certificates.certificatesOf(personIds),
  certificateRevocations: async (_: unknown, __: unknown, ctx: VaccinationContext) => {
    const list = await ctx.repos.certificates.revocations();
    return { certificateIds: list.certificateIds, updatedAt: list.updatedAt };
  },
};

export const CertificateMutation = {
  revokeVaccinationCertificate: (_: unknown, { certificateId, reason }: { certificateId: string; reason: string }, ctx: VaccinationContext) =>
    ctx.certificates.revoke(certificateId, reason),
};

/** `Person.healthPass` (health-pass-reader.ts). */
export const healthPass = (p: { id: string }, _: unknown, ctx: VaccinationContext) => ctx.healthPass(p.id);
