import { DEMO_VENUES, demoCheckIns } from '../shared/demo.ts';
import * as schema from './db/schema.ts';
import type { CheckinsDb } from './repository.ts';

/**
 * The demo venues and check-ins (see subgraphs/shared/demo.ts), with times relative to `now`.
 * Insert-or-nothing, so it is safe at every start.
 */
export async function seedCheckinsDemo(db: CheckinsDb, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(schema.venues).values(Object.values(DEMO_VENUES).map((v) => ({ ...v }))).onConflictDoNothing();
    await tx.insert(schema.checkIns).values(demoCheckIns(now)).onConflictDoNothing();
  });
}
