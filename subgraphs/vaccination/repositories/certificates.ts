import { and, asc, eq, isNotNull, isNull, max, sql } from 'drizzle-orm';
import { anyUuid } from '../../shared/sql.ts';
import type { CertificateRow, VaccinationDb } from '../db/models.ts';
import { certificates } from '../db/schema.ts';

/** What a revocation did. */
export type RevokeOutcome = { kind: 'REVOKED'; row: CertificateRow } | { kind: 'ALREADY_REVOKED'; row: CertificateRow } | { kind: 'NOT_FOUND' };

/** Certificates issued and revoked (the certificate ids verifiers see). */
export class CertificateRepository {
  constructor(private readonly db: VaccinationDb) {}

  /** The person's current certificate for this content (currentMany for one person). */
  async current(personId: string, contentHash: string): Promise<CertificateRow> {
    return (await this.currentMany([{ personId, contentHash }]))[0]!;
  }

  /**
   * Each person's current certificate for their content, in the order asked: the one already
   * issued (same id, same issue time), or a new one. Two statements for any number of people:
   * one read of the unrevoked rows, one insert of the missing; a row a concurrent request
   * inserted meanwhile (the partial unique index on unrevoked rows decides) is read again.
   */
  async currentMany(wanted: ReadonlyArray<{ personId: string; contentHash: string }>): Promise<CertificateRow[]> {
    if (wanted.length === 0) return [];
    const key = (personId: string, contentHash: string) => `${personId}|${contentHash}`;
    const found = new Map<string, CertificateRow>();
    const read = async (items: ReadonlyArray<{ personId: string }>) => {
      const rows = await this.db.select().from(certificates).where(and(anyUuid(certificates.personId, [...new Set(items.map((w) => w.personId))]), isNull(certificates.revokedAt)));
      for (const row of rows) found.set(key(row.personId, row.contentHash), row);
    };
    const missing = () => [...new Map(wanted.filter((w) => !found.has(key(w.personId, w.contentHash))).map((w) => [key(w.personId, w.contentHash), w])).values()];
    await read(wanted);
    if (missing().length) {
      const inserted = await this.db.insert(certificates).values(missing().map(({ personId, contentHash }) => ({ personId, contentHash }))).onConflictDoNothing().returning();
      for (const row of inserted) found.set(key(row.personId, row.contentHash), row);
      if (missing().length) await read(missing());
    }
    return wanted.map((w) => found.get(key(w.personId, w.contentHash))!);
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
