import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { BreakGlassGrantRow, DeclarationsDb } from '../db/models.ts';
import { anyUuid } from '../../shared/sql.ts';

export type BreakGlassGrantDto = BreakGlassGrantRow;

export interface NewBreakGlassGrant {
  officialSubject: string;
  officialProvinces: string[];
  personId: string;
  owningProvinceCode: string;
  reason: string;
  openedAt: Date;
  expiresAt: Date;
}

/** Break-the-glass grants: opened by province officials, listed for the owning province. */
export class BreakGlassGrantsRepository {
  constructor(private readonly db: DeclarationsDb) {}

  async open(grant: NewBreakGlassGrant): Promise<BreakGlassGrantDto> {
    const [row] = await this.db
      .insert(schema.breakGlassGrants)
      .values({ id: randomUUID(), ...grant })
      .returning();
    if (!row) throw new Error('inserting a break-the-glass grant returned no row');
    return row;
  }

  /** The official's grants for these people that are still in force at `now`, latest expiry first. */
  activeFor(officialSubject: string, personIds: readonly string[], now: Date): Promise<BreakGlassGrantDto[]> {
    const g = schema.breakGlassGrants;
    return this.db
      .select()
      .from(g)
      .where(and(eq(g.officialSubject, officialSubject), anyUuid(g.personId, personIds), gt(g.expiresAt, now)))
      .orderBy(desc(g.expiresAt));
  }

  /** Grants over people of one province, newest first; only those still in force when `activeAt` is given. */
  ofProvince(province: string, options: { activeAt: Date | null; limit: number }): Promise<BreakGlassGrantDto[]> {
    const g = schema.breakGlassGrants;
    const where = options.activeAt ? and(eq(g.owningProvinceCode, province), gt(g.expiresAt, options.activeAt)) : eq(g.owningProvinceCode, province);
    return this.db.select().from(g).where(where).orderBy(desc(g.openedAt), desc(g.id)).limit(options.limit);
  }
}
