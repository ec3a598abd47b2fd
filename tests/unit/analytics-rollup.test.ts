import { describe, expect, it } from 'vitest';
import { vietnamDay, type DomainEvent } from '../../subgraphs/shared/events.ts';
import { firstCallBucket, incrementsOf, medianHours, mergeIncrements } from '../../subgraphs/analytics/rollup.ts';
import { addDays } from '../../subgraphs/analytics/report.ts';

const base = { id: '00000000-0000-4000-8000-000000000001', occurredAt: '2025-03-01T20:00:00.000Z', day: '2025-03-02', province: '79', ward: '26740' } as const;

describe('analytics rollup definitions', () => {
  it('days are Viet Nam days: 17:00 UTC is the next day', () => {
    expect(vietnamDay(new Date('2025-03-01T16:59:59Z'))).toBe('2025-03-01');
    expect(vietnamDay(new Date('2025-03-01T17:00:00Z'))).toBe('2025-03-02');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });

  it('an event counts in its ward, its province and the nation; an unknown province only nationwide (and under "")', () => {
    const dose: DomainEvent = { ...base, type: 'dose.recorded', payload: { doseId: 'd', product: 'X', doseNumber: 1 } };
    expect(incrementsOf(dose).map((i) => `${i.province}/${i.ward}`)).toEqual(['*/*', '79/*', '79/26740']);
    expect(incrementsOf({ ...dose, province: null, ward: null }).map((i) => `${i.province}/${i.ward}`)).toEqual(['*/*', '/*']);
  });

  it("an upload's doses of one day and ward count as many doses in the ward, its province and the nation", () => {
    const doses: DomainEvent = { ...base, type: 'doses.recorded', payload: { count: 3 } };
    expect(incrementsOf(doses).map((i) => `${i.province}/${i.ward} ${i.day} ${i.metric} ${i.delta}`)).toEqual([
      '*/* 2025-03-02 doses_given 3',
      '79/* 2025-03-02 doses_given 3',
      '79/26740 2025-03-02 doses_given 3',
    ]);
  });

  it("an upload's tally counts each day and ward's doses in the ward, its province and the nation", () => {
    const tally: DomainEvent = {
      ...base, province: null, ward: null, type: 'doses.tallied',
      payload: { counts: [{ day: '2025-03-02', province: '79', ward: '26740', count: 3 }, { day: '2025-03-02', province: '79', ward: '26737', count: 2 }, { day: '2025-03-05', province: '01', ward: '00004', count: 4 }] },
    };
    expect(mergeIncrements(incrementsOf(tally)).map((i) => `${i.province}/${i.ward} ${i.day} ${i.metric} ${i.delta}`)).toEqual([
      '*/* 2025-03-02 doses_given 5',
      '*/* 2025-03-05 doses_given 4',
      '01/* 2025-03-05 doses_given 4',
      '01/00004 2025-03-05 doses_given 4',
      '79/* 2025-03-02 doses_given 5',
      '79/26737 2025-03-02 doses_given 2',
      '79/26740 2025-03-02 doses_given 3',
    ]);
  });

  it("an upload's results of a day, place, kind and outcome count as many tests as the event says; a positive group as as many positives", () => {
    const positives: DomainEvent = { ...base, ward: null, type: 'tests.resulted', payload: { kind: 'PCR', outcome: 'POSITIVE', tests: 7 } };
    expect(mergeIncrements(incrementsOf(positives)).filter((i) => i.province === '79').map((i) => [i.day, i.ward, i.metric, i.delta])).toEqual([
      ['2025-03-02', '*', 'tests_done', 7],
      ['2025-03-02', '*', 'tests_positive', 7],
      ['2025-03-02', '', 'tests_done', 7],
      ['2025-03-02', '', 'tests_positive', 7],
    ]);
    const negatives: DomainEvent = { ...positives, payload: { kind: 'RAPID_ANTIGEN', outcome: 'NEGATIVE', tests: 3 } };
    expect(incrementsOf(negatives).map((i) => [i.province, i.metric, i.delta])).toEqual([['*', 'tests_done', 3], ['79', 'tests_done', 3], ['79', 'tests_done', 3]]);
  });

  it('a task closing leaves its status, enters CLOSED and stops being open on its due day', () => {
    const closed: DomainEvent = { ...base, type: 'task.status_changed', payload: { taskId: 't', caseId: 'c', from: 'ISOLATED', to: 'CLOSED', dueDay: '2025-03-03', firstCallAt: null } };
    const ward = mergeIncrements(incrementsOf(closed)).filter((i) => i.ward === '26740');
    expect(ward.map((i) => [i.day, i.metric, i.delta])).toEqual([
      ['2025-03-02', 'tasks_CLOSED', 1],
      ['2025-03-02', 'tasks_ISOLATED', -1],
      ['2025-03-03', 'tasks_open_due', -1],
    ]);
  });

  it('a rejection takes the case out of its confirmation day and its onset day', () => {
    const rejected: DomainEvent = { ...base, type: 'case.rejected', payload: { caseId: 'c', rejectedAt: base.occurredAt, onsetDay: '2025-02-27' } };
    expect(incrementsOf(rejected).filter((i) => i.province === '*').map((i) => [i.day, i.metric, i.delta])).toEqual([
      ['2025-03-02', 'cases_rejected', 1],
      ['2025-02-27', 'cases_onset', -1],
    ]);
  });

  it('first-call delays in whole hours, from 0 to 72 (or more); the median is the lower middle call’s bucket', () => {
    const confirmed = new Date('2025-03-01T00:00:00Z');
    expect(firstCallBucket(new Date('2025-03-01T05:59:00Z'), confirmed)).toBe(5);
    expect(firstCallBucket(new Date('2025-02-28T23:00:00Z'), confirmed)).toBe(0);
    expect(firstCallBucket(new Date('2025-03-09T00:00:00Z'), confirmed)).toBe(72);
    expect(medianHours(new Map([[2, 1], [5, 2]]))).toBe(5.5);
    expect(medianHours(new Map([[3, 1], [1, 1]]))).toBe(1.5);
    expect(medianHours(new Map())).toBeNull();
  });
});
