import { inArray } from 'drizzle-orm';
import { provinceProfile } from '../db/schema.ts';
import type { ProvinceProfileRow } from '../db/models.ts';
import type { ProvinceDb } from './db.ts';

/** What the province publishes about itself (one row per database). */
export class ProfileRepository {
  constructor(private readonly db: ProvinceDb) {}

  byCodes(codes: readonly string[]): Promise<ProvinceProfileRow[]> {
    return this.db.select().from(provinceProfile).where(inArray(provinceProfile.code, [...codes]));
  }
}
