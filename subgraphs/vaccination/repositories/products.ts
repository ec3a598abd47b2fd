import { asc, sql } from 'drizzle-orm';
import { AGE_GROUPS } from '../../shared/age-groups.ts';
import type { AgeGroupRow, VaccinationDb, VaccineProductRow } from '../db/models.ts';
import { ageGroups, vaccineProducts } from '../db/schema.ts';
import { DEFAULT_PRODUCTS } from '../products.ts';

const AGE_GROUPS_TTL_MS = 60_000;

/** The reference data: the vaccine catalogue and the age groups. */
export class ProductRepository {
  constructor(private readonly db: VaccinationDb) {}

  /** Writes the default catalogue and the age groups; idempotent, so it runs at every start. */
  async ensureDefaults(): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .insert(vaccineProducts)
        .values([...DEFAULT_PRODUCTS])
        .onConflictDoUpdate({ target: vaccineProducts.code, set: { name: sql`excluded.name`, manufacturer: sql`excluded.manufacturer`, dosesInPrimarySeries: sql`excluded.doses_in_primary_series` } });
      await tx
        .insert(ageGroups)
        .values(AGE_GROUPS.map((g) => ({ ...g })))
        .onConflictDoUpdate({ target: ageGroups.code, set: { minAge: sql`excluded.min_age`, maxAge: sql`excluded.max_age` } });
    });
  }

  all(): Promise<VaccineProductRow[]> {
    return this.db.select().from(vaccineProducts).orderBy(asc(vaccineProducts.code));
  }

  ageGroups(): Promise<AgeGroupRow[]> {
    return this.db.select().from(ageGroups).orderBy(asc(ageGroups.minAge));
  }

  private cachedAgeGroups: { rows: Promise<AgeGroupRow[]>; until: number } | undefined;

  /** The age groups, read at most once a minute: every coverage query needs them, and they change only by an operator's SQL. */
  recentAgeGroups(now = Date.now()): Promise<AgeGroupRow[]> {
    if (!this.cachedAgeGroups || this.cachedAgeGroups.until < now) {
      const rows = this.ageGroups();
      this.cachedAgeGroups = { rows, until: now + AGE_GROUPS_TTL_MS };
      rows.catch(() => (this.cachedAgeGroups = undefined));
    }
    return this.cachedAgeGroups.rows;
  }
}
