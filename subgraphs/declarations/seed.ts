import { DEMO_PEOPLE } from '../shared/demo.ts';
import type { SubgraphConfig } from '../shared/module.ts';
import * as schema from './db/schema.ts';
import { hashNationalId, normaliseNationalId } from './identifiers.ts';
import type { DeclarationsDb } from './db/models.ts';

/** Fixed ids of the demo declarations, so a re-seed changes nothing. */
export const DEMO_DECLARATION_IDS = {
  anSymptoms: 'dec1a000-0000-4000-8000-000000000001',
  binhTravel: 'dec1a000-0000-4000-8000-000000000002',
} as const;

const DAY_MS = 24 * 60 * 60_000;

/**
 * The demo people of shared/demo.ts (fixed ids, national IDs hashed under the deployment's key) and
 * two declarations: An declares fever and cough a day ago, Bình declares a trip to Đà Lạt two days ago.
 * Idempotent (ON CONFLICT DO NOTHING), in one transaction.
 */
export async function seedDeclarationsDemo(db: DeclarationsDb, config: SubgraphConfig, now = new Date()): Promise<void> {
  const people = Object.values(DEMO_PEOPLE).map((p) => {
    const nationalId = normaliseNationalId(p.nationalId);
    if (!nationalId) throw new Error(`demo person ${p.id} has an invalid national ID`);
    return {
      id: p.id,
      fullName: p.fullName,
      birthYear: p.birthYear,
      phone: p.phone,
      nationalIdHash: hashNationalId(config.nationalIdKey, nationalId),
      residenceWardCode: p.wardCode,
      residenceProvinceCode: p.provinceCode,
    };
  });
  await db.transaction(async (tx) => {
    await tx.insert(schema.people).values(people).onConflictDoNothing();
    await tx
      .insert(schema.healthDeclarations)
      .values([
        {
          id: DEMO_DECLARATION_IDS.anSymptoms,
          personId: DEMO_PEOPLE.an.id,
          kind: 'SYMPTOMS',
          symptoms: ['FEVER', 'COUGH'],
          declaredAt: new Date(now.getTime() - DAY_MS),
        },
        {
          id: DEMO_DECLARATION_IDS.binhTravel,
          personId: DEMO_PEOPLE.binh.id,
          kind: 'DOMESTIC_TRAVEL',
          travel: 'Đà Lạt',
          declaredAt: new Date(now.getTime() - 2 * DAY_MS),
        },
      ])
      .onConflictDoNothing();
  });
}
