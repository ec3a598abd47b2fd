import { provinceProfile } from '../db/schema.ts';
import type { ProvinceDb, ProvinceProfileRow } from '../db/models.ts';
import { lookupByKeys } from '../../shared/sql.ts';

/** What the province publishes about itself (one row per database). */
export class ProfileRepository {
  constructor(private readonly db: ProvinceDb) {}

  byCodes(codes: readonly string[]): Promise<ProvinceProfileRow[]> {
    return this.byCodesQuery(codes);
  }

  // Built once (shared/sql.ts lookupByKeys): read with every province of an answer.
  private readonly byCodesQuery = lookupByKeys('text', (matches, name) =>
    this.db.select().from(provinceProfile).where(matches(provinceProfile.code)).prepare(name('province_profile_by_codes')),
  );
}
