import { asc, inArray } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { ContactRuleRow, TracingDb } from '../db/models.ts';
import { DEFAULT_CONTACT_RULE } from '../rules.ts';

/** The contact rules (data, not code): read by name, listed for officials. */
export class ContactRuleRepository {
  constructor(private readonly db: TracingDb) {}

  all(): Promise<ContactRuleRow[]> {
    return this.db.select().from(schema.contactRules).orderBy(asc(schema.contactRules.name));
  }

  byNames(names: readonly string[]): Promise<ContactRuleRow[]> {
    return this.db.select().from(schema.contactRules).where(inArray(schema.contactRules.name, [...names]));
  }

  /** The migration already inserts it; this keeps a database whose row was deleted by hand working. */
  async ensureDefault(): Promise<void> {
    await this.db.insert(schema.contactRules).values(DEFAULT_CONTACT_RULE).onConflictDoNothing();
  }
}
