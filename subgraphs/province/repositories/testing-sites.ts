import { asc } from 'drizzle-orm';
import { anyUuid } from '../../shared/sql.ts';
import { testingSites } from '../db/schema.ts';
import type { ProvinceDb, TestingSiteRow } from '../db/models.ts';

/** Testing sites (điểm xét nghiệm) of this province. */
export class TestingSitesRepository {
  constructor(private readonly db: ProvinceDb) {}

  list(): Promise<TestingSiteRow[]> {
    return this.db.select().from(testingSites).orderBy(asc(testingSites.name), asc(testingSites.id));
  }

  byIds(ids: readonly string[]): Promise<TestingSiteRow[]> {
    return this.db.select().from(testingSites).where(anyUuid(testingSites.id, ids));
  }
}
