import { DEMO_PEOPLE, demoTime } from '../shared/demo.ts';
import { demoId } from '../province/demo-data.ts';
import type { TestingDb } from './db/models.ts';
import { TestResultRepository } from './repositories/index.ts';

export const DEMO_LAB = 'lab-pasteur-hcm';

/**
 * The demo results of the lab `lab-pasteur-hcm`, sampled at province 79's first testing site:
 * An's positive PCR (the demo case's, two days back) and a negative pool of Bình and Hà.
 * Idempotent (the lab's sample ids), so it runs at every start.
 */
export async function seedTestingDemo(db: TestingDb, now = new Date()) {
  const site = { siteProvinceCode: '79', siteId: demoId('testingSite', '79', 1) };
  const common = { lab: DEMO_LAB, kind: 'PCR' as const, sampleType: 'NASOPHARYNGEAL_SWAB' as const, collectedAt: demoTime(now, 2, 1, 0), resultedAt: demoTime(now, 2, 9, 0), ...site };
  await new TestResultRepository(db).record([
    { ...common, sampleId: 'HCM-PCR-000001', members: [DEMO_PEOPLE.an.id], pooled: false, result: 'POSITIVE', ctValue: 21.5, retestRequired: false },
    { ...common, sampleId: 'HCM-POOL-000001', members: [DEMO_PEOPLE.binh.id, DEMO_PEOPLE.ha.id].sort(), pooled: true, result: 'NEGATIVE', ctValue: null, retestRequired: false },
  ]);
}
