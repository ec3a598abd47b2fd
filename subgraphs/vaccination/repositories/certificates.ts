import { and, asc, eq, isNotNull, isNull, max, sql } from 'drizzle-orm';
import type { CertificateRow, VaccinationDb } from '../db/models.ts';
import { certificates } from '../db/schema.ts';

/** What a revocation did. */
export type RevokeOutcome = { kind: 'REVOKED'; row: CertificateRow } | { kind: 'ALREADY_REVOKED'; row: CertificateRow } | { kind: 'NOT_FOUND' };

/** Certificates issued and revoked (the certificate ids verifiers see). */
export class CertificateRepository {
  constructor(private readonly db: VaccinationDb) {}

  /**
   * The person's current certificate for this content: the one already issued (same id, same
   * issue time), or a new one. Concurrent requests for the same content get the same row (the
   * partial unique index on unrevoked rows decides).
   */
  async current(personId: string, contentHash: string): Promise<CertificateRow> {
    const existing = await this.find(personId, contentHash);
    if (existing) return existing;
    const [inserted] = await this.db.insert(certificates).values({ personId, contentHash }).onConflictDoNothing().returning();
    return inserted ?? (await this.find(personId, contentHash))!;
  }

  private async find(personId: string, contentHash: string): Promise<CertificateRow | undefined> {
    const [row] = await this.db
      .select()
      .from(certificates)
      .where(and(eq(certificates.personId, personId), eq(certificates.contentHash, contentHash), isNull(certificates.revokedAt)))
      .limit(1);
    return row;
  }

  async byId(id: string): Promise<CertificateRow | undefined> {
    const [row] = await this.db.select().from(certificates).where(eq(certificates.id, id)).limit(1);
    return row;
  }

  /** Revokes an issued certificate once; a second revocation changes nothing and says so. */
  async revoke(id: string, by: string, reason: string, at: Date): Promise<RevokeOutcome> {
    const [row] = await this.db
      .update(certificates)
      .set({ revokedAt: at, revokedBy: by, revocationReason: reason })
      .where(and(eq(certificates.id, id), isNull(certificates.revokedAt)))
      .returning();
    if (row) return { kind: 'REVOKED', row };
    const existing = await this.byId(id);
    return existing ? { kind: 'ALREADY_REVOKED', row: existing } : { kind: 'NOT_FOUND' };
  }

  /** Every revoked certificate id, oldest revocation first, and when the list last changed. */
  async revocations(): Promise<{ certificateIds: string[]; updatedAt: Date | null }> {
    const rows = await this.db
      .select({ id: certificates.id })
      .from(certificates)
      .where(isNotNull(certificates.revokedAt))
      .orderBy(asc(certificates.revokedAt), asc(certificates.id));
    const [last] = await this.db.select({ at: max(certificates.revokedAt) }).from(certificates);
    return { certificateIds: rows.map((r) => r.id), updatedAt: last?.at ?? null };
  }

  /** For tests and the bench: how many certificates a person has had. */
  async countOf(personId: string): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(certificates).where(eq(certificates.personId, personId));
    return row?.n ?? 0;
  }
}
