import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { testingModule } from '../../subgraphs/testing/server.ts';
import { TestResultRepository } from '../../subgraphs/testing/repositories/test-results.ts';
import type { TestSample } from '../../subgraphs/testing/validation.ts';
import { vietnamDay } from '../../subgraphs/shared/events.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

/**
 * TestResultRepository.record on a real database: an upload of new samples goes straight into
 * test_results (COPY), anything else through the look-up path; both store each sample once and
 * count it once in the outbox's `tests.resulted` events, also when two uploads race.
 */
describe('test result uploads: new samples, repeats, racing uploads', () => {
  let database: TestDatabase<typeof testingModule.tables>;
  let repo: TestResultRepository;
  beforeAll(async () => {
    database = await createTestDatabase(testingModule, 'testing_uploads');
    repo = new TestResultRepository(database.db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const resultedAt = new Date(Date.UTC(2025, 5, 1, 18, 30)); // 01:30 on 2 June in Viet Nam
  const sample = (lab: string, sampleId: string, over: Partial<TestSample> = {}): TestSample => ({
    lab, sampleId, members: [randomUUID()], pooled: false, kind: 'PCR', result: 'NEGATIVE', sampleType: 'NASOPHARYNGEAL_SWAB',
    collectedAt: new Date(resultedAt.getTime() - 3_600_000), resultedAt, siteProvinceCode: '79', siteId: randomUUID(), ctValue: null, retestRequired: false, ...over,
  });
  const pool = (lab: string, sampleId: string) => {
    const members = [randomUUID(), randomUUID(), randomUUID()].sort();
    return sample(lab, sampleId, { members, pooled: true });
  };
  /** Tests counted by the lab's events so far, by outcome (the outbox is the testing database's). */
  const counted = async () => {
    const rows = await database.sql<{ day: string; province: string | null; outcome: string; tests: number }[]>`
      select day::text, province, payload->>'outcome' as outcome, sum((payload->>'tests')::int)::int as tests
      from outbox_events where type = 'tests.resulted' group by 1, 2, 3 order by 1, 2 nulls last, 3`;
    return rows.map((r) => [r.day, r.province, r.outcome, r.tests]);
  };

  itWithPostgres('new samples are stored, a pool one row per member, and counted once each by day, place and outcome', async () => {
    const lab = `lab-${randomUUID()}`;
    const batch = [sample(lab, 'a'), sample(lab, 'b', { result: 'POSITIVE', ctValue: 21 }), pool(lab, 'c'), sample(lab, 'd', { siteProvinceCode: null, siteId: null })];
    const recorded = await repo.record(batch);
    expect(recorded).toEqual(batch.map(() => ({ outcome: 'accepted', revision: 1 })));
    const rows = await database.sql<{ sample_id: string; person_id: string; pool_size: number | null }[]>`select sample_id, person_id, pool_size from test_results where lab = ${lab} order by sample_id, person_id`;
    expect(rows.map((r) => [r.sample_id, r.person_id, r.pool_size])).toEqual([
      ['a', batch[0]!.members[0], null],
      ['b', batch[1]!.members[0], null],
      ...batch[2]!.members.map((m) => ['c', m, 3]),
      ['d', batch[3]!.members[0], null],
    ]);
    expect(await counted()).toEqual([
      [vietnamDay(resultedAt), '79', 'NEGATIVE', 2],
      [vietnamDay(resultedAt), '79', 'POSITIVE', 1],
      [vietnamDay(resultedAt), null, 'NEGATIVE', 1],
    ]);
    await database.sql`delete from outbox_events`;
  });

  itWithPostgres('an upload with a stored sample stores only the new ones; the same id for other people is a conflict', async () => {
    const lab = `lab-${randomUUID()}`;
    const [stored, other] = [sample(lab, 'stored'), sample(lab, 'other')];
    await repo.record([stored, other]);
    await database.sql`delete from outbox_events`;
    const fresh = sample(lab, 'fresh');
    const recorded = await repo.record([fresh, stored, { ...other, members: [randomUUID()] }]);
    expect(recorded.map((r) => r.outcome)).toEqual(['accepted', 'duplicate', 'conflict']);
    expect((await database.sql`select count(*)::int as n from test_results where lab = ${lab}`)[0]!.n).toBe(3);
    expect(await counted()).toEqual([[vietnamDay(resultedAt), '79', 'NEGATIVE', 1]]);
    await database.sql`delete from outbox_events`;
  });

  itWithPostgres('two uploads of the same new samples at once: each sample stored and counted once, accepted by one and a duplicate for the other', async () => {
    const lab = `lab-${randomUUID()}`;
    const batch = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? pool(lab, `s${i}`) : sample(lab, `s${i}`)));
    const [first, second] = await Promise.all([repo.record(batch), repo.record(batch)]);
    for (let i = 0; i < batch.length; i++) {
      expect([first![i]!.outcome, second![i]!.outcome].sort()).toEqual(['accepted', 'duplicate']);
    }
    const rows = batch.reduce((n, s) => n + s.members.length, 0);
    expect((await database.sql`select count(*)::int as n from test_results where lab = ${lab}`)[0]!.n).toBe(rows);
    expect(await counted()).toEqual([[vietnamDay(resultedAt), '79', 'NEGATIVE', batch.length]]);
    await database.sql`delete from outbox_events`;
  });
});
