import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { vietnamDay } from '../../subgraphs/shared/events.ts';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

const RECORD = /* GraphQL */ `mutation($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted corrected duplicates rejected { index code } } }`;
const REPORT = /* GraphQL */ `query($province: ID, $date: String) { situationReport(province: $province, date: $date) { testsDone figures { testsPositive } } }`;
const SITE_79 = { province: '79', id: demoId('testingSite', '79', 1) };
const SITE_01 = { province: '01', id: demoId('testingSite', '01', 1) };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

/**
 * A lab's correction reaches the analytics rollups (testing → outbox → domain-events queue →
 * analytics): the previous version leaves the day, province and outcome it was counted in, the
 * corrected one counts in its own. A single rapid test confirms no case, so only the tests move.
 */
describe('testing: a corrected result moves its count in the daily figures', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub?.stop());

  const record = async (results: unknown[]) => {
    const response = await hub.query(RECORD, { results });
    expect(response.errors).toBeUndefined();
    return response.data.recordTestResults;
  };
  const figures = async (province: string | null, date: string) => {
    const response = await hub.query(REPORT, { province, date });
    expect(response.errors).toBeUndefined();
    const report = response.data.situationReport;
    return { done: report.testsDone as number, positive: report.figures.testsPositive as number };
  };

  itWithPostgres('the old value leaves its day and place, the new one counts in its own; a second correction moves it again', async () => {
    // Resulted an hour ago at 79's site; the correction says 27 hours ago at 01's: another Viet Nam day.
    const today = { collectedAt: hoursAgo(3), resultedAt: hoursAgo(1) };
    const earlier = { collectedAt: hoursAgo(30), resultedAt: hoursAgo(27) };
    const day1 = vietnamDay(today.resultedAt);
    const day2 = vietnamDay(earlier.resultedAt);
    const before = { at79: await figures('79', day1), at01: await figures('01', day2), nation1: await figures(null, day1), nation2: await figures(null, day2) };
    const sample = { sampleId: `C-${randomUUID()}`, personId: DEMO_PEOPLE.binh.id, kind: 'RAPID_ANTIGEN', sampleType: 'NASAL_SWAB' };
    const poll = (read: () => Promise<unknown>, expected: unknown) => expect.poll(read, { timeout: 20_000, interval: 200 }).toEqual(expected);

    const first = { ...sample, result: 'POSITIVE', testingSite: SITE_79, collectedAt: today.collectedAt.toISOString(), resultedAt: today.resultedAt.toISOString() };
    expect(await record([first])).toEqual({ accepted: 1, corrected: 0, duplicates: 0, rejected: [] });
    await poll(() => figures('79', day1), { done: before.at79.done + 1, positive: before.at79.positive + 1 });

    const corrected = { ...sample, result: 'NEGATIVE', testingSite: SITE_01, collectedAt: earlier.collectedAt.toISOString(), resultedAt: earlier.resultedAt.toISOString() };
    expect(await record([corrected])).toEqual({ accepted: 0, corrected: 1, duplicates: 0, rejected: [] });
    await poll(() => figures('01', day2), { done: before.at01.done + 1, positive: before.at01.positive });
    expect(await figures('79', day1)).toEqual(before.at79);
    expect(await figures(null, day1)).toEqual(before.nation1);
    expect(await figures(null, day2)).toEqual({ done: before.nation2.done + 1, positive: before.nation2.positive });

    // Sent again: a duplicate, which moves nothing. Then corrected back: counted from the second version.
    expect(await record([corrected])).toMatchObject({ corrected: 0, duplicates: 1 });
    expect(await record([first])).toMatchObject({ corrected: 1 });
    await poll(() => figures('01', day2), before.at01);
    expect(await figures('79', day1)).toEqual({ done: before.at79.done + 1, positive: before.at79.positive + 1 });
    expect(await figures(null, day2)).toEqual(before.nation2);
    expect(await figures(null, day1)).toEqual({ done: before.nation1.done + 1, positive: before.nation1.positive + 1 });
  });
});
