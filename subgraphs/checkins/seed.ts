import { sql } from 'drizzle-orm';
import { DEMO_VENUES, demoCheckIns } from '../shared/demo.ts';
import * as schema from './db/schema.ts';
import type { CheckinsDb } from './db/models.ts';

/**
 * The demo venues and check-ins (see subgraphs/shared/demo.ts), with times relative to `now`.
 * Safe at every start: check_ins is keyed (id, checked_in_at) and the demo times move with the
 * day, so a demo check-in whose id is already stored (at any time) is skipped, not added again.
 */
export async function seedCheckinsDemo(db: CheckinsDb, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(schema.venues).values(Object.values(DEMO_VENUES).map((v) => ({ ...v }))).onConflictDoNothing();
    const rows = demoCheckIns(now);
    const stored = await tx
      .select({ id: schema.checkIns.id })
      .from(schema.checkIns)
      .where(sql`${schema.checkIns.id} = any(${sql.param(rows.map((r) => r.id))}::uuid[])`);
    const storedIds = new Set(stored.map((r) => r.id));
    const missing = rows.filter((r) => !storedIds.has(r.id));
    if (missing.length > 0) await tx.insert(schema.checkIns).values(missing).onConflictDoNothing();
  });
}
