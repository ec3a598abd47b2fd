import { asc } from 'drizzle-orm';
import type { VaccinationDb } from '../db/models.ts';
import { healthPassRules } from '../db/schema.ts';
import { DEFAULT_HEALTH_PASS_RULES, type HealthPassColor, type HealthPassRule, type VaccinationStatusValue } from '../health-pass.ts';

/** The health pass rule's rows (health-pass.ts evaluates them). */
export class HealthPassRuleRepository {
  constructor(private readonly db: VaccinationDb) {}

  /** Writes the default rows that are missing; rows an operator changed are left as they are. */
  async ensureDefaultRules(): Promise<void> {
    await this.db
      .insert(healthPassRules)
      .values(DEFAULT_HEALTH_PASS_RULES.map((r) => ({ ...r, vaccinationStatuses: r.vaccinationStatuses ? [...r.vaccinationStatuses] : null })))
      .onConflictDoNothing();
  }

  async all(): Promise<HealthPassRule[]> {
    const rows = await this.db.select().from(healthPassRules).orderBy(asc(healthPassRules.priority), asc(healthPassRules.name));
    return rows.map((r) => ({
      ...r,
      color: r.color as HealthPassColor,
      vaccinationStatuses: r.vaccinationStatuses as VaccinationStatusValue[] | null,
    }));
  }
}
