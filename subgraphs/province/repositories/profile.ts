import { inArray } from 'drizzle-orm';
import { provinceProfile } from '../db/schema.ts';
import type { ProvinceDb, ProvinceProfileRow } from '../db/models.ts';

/** What the province publishes about itself (one row per database). */
export class ProfileRepository {
  constructor(private readonly db: ProvinceDb) {}

  byCodes(codes: readonly string[]): Promise<ProvinceProfileRow[]> {
    return this.db.select().from(provinceProfile).where(inArray(provinceProfile.code, [...codes]));
  }
}
