import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { DOMAIN_EVENTS_QUEUE, vietnamDay, type DomainEvent, type DomainEventsJob } from '../../subgraphs/shared/events.ts';
import { domainEventsJobOptions } from '../../subgraphs/shared/outbox.ts';
import { estimateR, COVID19_SERIAL_INTERVAL } from '../../subgraphs/analytics/epi/index.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { rng } from '../support/tracing-data.ts';
import { dayPlus, oracleFigures, oracleSevenDays, randomEvents, type OracleFigures } from '../support/analytics-oracle.ts';

const FIGURES = 'newCases cumulativeCases activeCases contactsF1 contactsF2 tasksNew tasksContacted tasksIsolated tasksTested tasksClosed tasksWithdrawn tasksOverdue medianHoursToFirstCall testsDone testsPositive positivity dosesGiven freeBeds';
const REPORT = /* GraphQL */ `query Report($province: ID, $date: String) {
  situationReport(province: $province, date: $date) {
    date province newCases cumulativeCases activeCases contactsF1 contactsF2 tasksOverdue testsDone positivity dosesGiven freeBeds medianHoursToFirstCall
    figures { ${FIGURES} } change { ${FIGURES} } sevenDayAverage { ${FIGURES} }
    wards { ward figures { ${FIGURES} } change { ${FIGURES} } }
  }
}`;
/** Each figure's change from the day before (null where either day's is null). */
const changeOf = (today: OracleFigures, before: OracleFigures) =>
  Object.fromEntries(Object.entries(today).map(([k, v]) => [k, v === null || before[k as keyof OracleFigures] === null ? null : v - (before[k as keyof OracleFigures] as number)])) as unknown as OracleFigures;
const codes = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) => (errors ?? []).map((e) => e.extensions?.code);

/** Every figure equal, the averages to float precision. */
function expectFigures(actual: Record<string, number | null>, expected: OracleFigures, label: string): void {
  for (const [key, value] of Object.entries(expected)) {
    if (value === null) expect(actual[key], `${label} ${key}`).toBeNull();
    else expect(actual[key], `${label} ${key}`).toBeCloseTo(value, 9);
  }
}

/**
 * The analytics subgraph through the real hub: domain events (put on the queue as the relays do,
 * and written by the real producers) become the situation report, the curve, Rt and the forecast.
 */
describe('analytics: events → rollups → the 19:00 briefing', () => {
  let hub: TestHub;
  let analyticsSql: postgres.Sql;
  let send: (events: DomainEvent[]) => Promise<void>;
  const FIRST = '2025-03-01';
  const DAYS = 28;
  let events: DomainEvent[];

  /** Waits until the consumer has applied every one of these event ids. */
  const applied = async (ids: readonly string[]) => {
    const wanted = [...new Set(ids)];
    const count = async () => (await analyticsSql`select count(*)::int as n from processed_events where id = any(${wanted}::uuid[])`)[0]!.n as number;
    // Polled by hand: beforeAll uses it too, where expect.poll is not available.
    for (const deadline = Date.now() + 60_000; (await count()) < wanted.length; ) {
      if (Date.now() > deadline) throw new Error(`only ${await count()} of ${wanted.length} events applied`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const report = async (province: string | null, date: string, token?: string) => {
    const response = await hub.query(REPORT, { province, date }, token ? { token } : {});
    expect(response.errors).toBeUndefined();
    return response.data.situationReport;
  };
  /** Sends events in one job per slice, as relays do, then waits for them. */
  const deliver = async (list: DomainEvent[]) => {
    for (let i = 0; i < list.length; i += 50) await send(list.slice(i, i + 50));
    await applied(list.map((e) => e.id));
  };

  beforeAll(async () => {
    hub = await startTestHub();
    analyticsSql = hub.hub.subgraphs.find((s) => s.name === 'analytics')!.database.sql;
    const queue = hub.hub.queues.createQueue<DomainEventsJob>(DOMAIN_EVENTS_QUEUE, domainEventsJobOptions);
    send = async (list) => void (await queue.add('test', { source: 'test', events: list }));
    const random = rng(16);
    events = randomEvents(random, FIRST, DAYS);
    // Out of order across things (late events), and a fifth of them delivered twice (replays).
    const shuffled = [...events].sort(() => random() - 0.5);
    const inOrder = (e: DomainEvent) => e.type === 'facility.occupancy_changed';
    const replays = events.filter(() => random() < 0.2);
    await deliver([...events.filter(inOrder), ...shuffled.filter((e) => !inOrder(e)), ...replays]);
  }, 120_000);
  afterAll(() => hub?.stop());

  itWithPostgres('the situation report equals a brute-force count over the events, for the nation, a province and its wards', async () => {
    const areas: Array<{ province: string | null; inArea: (e: DomainEvent) => boolean }> = [
      { province: null, inArea: () => true },
      { province: '79', inArea: (e) => e.province === '79' },
      { province: '01', inArea: (e) => e.province === '01' },
    ];
    for (const day of [dayPlus(FIRST, 9), dayPlus(FIRST, 20), dayPlus(FIRST, DAYS + 3)]) {
      for (const { province, inArea } of areas) {
        const got = await report(province, day);
        const today = oracleFigures(events, inArea, day);
        const before = oracleFigures(events, inArea, dayPlus(day, -1));
        expect(got).toMatchObject({ date: day, province, newCases: today.newCases, cumulativeCases: today.cumulativeCases, activeCases: today.activeCases, testsDone: today.testsDone, freeBeds: today.freeBeds });
        expectFigures(got.figures, today, `${province ?? 'VN'} ${day}`);
        expectFigures(got.change, changeOf(today, before), `change ${province ?? 'VN'} ${day}`);
        expectFigures(got.sevenDayAverage, oracleSevenDays(events, inArea, day), `7-day ${province ?? 'VN'} ${day}`);
        if (province === '79') {
          const wards = new Map<string | null, any>(got.wards.map((w: any) => [w.ward, w]));
          for (const ward of ['26740', '26743', null]) {
            const inWard = (e: DomainEvent) => e.province === '79' && e.ward === ward;
            const expected = oracleFigures(events, inWard, day);
            const dayBefore = oracleFigures(events, inWard, dayPlus(day, -1));
            expectFigures(wards.get(ward)?.figures ?? {}, expected, `ward ${ward} ${day}`);
            expectFigures(wards.get(ward)?.change ?? {}, changeOf(expected, dayBefore), `ward change ${ward} ${day}`);
          }
        }
      }
    }
    // The data is not trivially empty where it is compared.
    const busy = await report(null, dayPlus(FIRST, 20));
    expect(busy.cumulativeCases).toBeGreaterThan(20);
    expect(busy.figures.tasksClosed + busy.figures.tasksContacted).toBeGreaterThan(0);
  });

  itWithPostgres('a replayed event changes nothing; a late event updates the day it belongs to', async () => {
    const day = dayPlus(FIRST, 12);
    const before = await report('24', day);
    await send(events.slice(0, 100));
    // A fresh event behind the replays in the queue: once it is applied, so are they.
    const marker: DomainEvent = { id: randomUUID(), type: 'dose.recorded', occurredAt: new Date().toISOString(), day: '2030-01-01', province: '24', ward: null, payload: { doseId: randomUUID(), product: 'X', doseNumber: 1 } };
    await send([marker]);
    await applied([marker.id]);
    expect(await report('24', day)).toEqual(before);

    // Its ward's figures on later days (a day within the next two weeks, and one after them, read
    // from the ward's running levels), and those of a ward that had no events before it.
    const laterDays = [dayPlus(day, 5), dayPlus(day, 20)];
    const wardOf = (r: any, ward: string) => r.wards.find((w: any) => w.ward === ward)?.figures;
    const wardsBefore = await Promise.all([dayPlus(day, -1), ...laterDays].map((d) => report('24', d)));
    const late: DomainEvent[] = ['09187', '09999'].map((ward) => ({
      id: randomUUID(), type: 'case.confirmed', occurredAt: `${day}T03:00:00.000Z`, day, province: '24', ward,
      payload: { caseId: randomUUID(), confirmedAt: `${day}T03:00:00.000Z`, onsetDay: null },
    }));
    expect(wardsBefore.some((r) => wardOf(r, '09999'))).toBe(false);
    await send(late);
    await applied(late.map((e) => e.id));
    const after = await report('24', day);
    expect(after.newCases).toBe(before.newCases + 2);
    expect(after.cumulativeCases).toBe(before.cumulativeCases + 2);
    expect(after.activeCases).toBe(before.activeCases + 2);
    expect(wardOf(after, '09187')).toMatchObject({ newCases: wardOf(before, '09187').newCases + 1, cumulativeCases: wardOf(before, '09187').cumulativeCases + 1 });
    expect(wardOf(after, '09999')).toMatchObject({ newCases: 1, cumulativeCases: 1, activeCases: 1 });
    const [dayBefore, soon, later] = await Promise.all([dayPlus(day, -1), ...laterDays].map((d) => report('24', d)));
    expect(wardOf(dayBefore, '09187')).toEqual(wardOf(wardsBefore[0], '09187'));
    expect(wardOf(dayBefore, '09999')).toBeUndefined();
    expect(wardOf(soon, '09187')).toMatchObject({ cumulativeCases: wardOf(wardsBefore[1], '09187').cumulativeCases + 1, activeCases: wardOf(wardsBefore[1], '09187').activeCases + 1 });
    expect(wardOf(soon, '09999')).toMatchObject({ newCases: 0, cumulativeCases: 1, activeCases: 1 });
    expect(wardOf(later, '09187')).toMatchObject({ cumulativeCases: wardOf(wardsBefore[2], '09187').cumulativeCases + 1, activeCases: wardOf(wardsBefore[2], '09187').activeCases });
    expect(wardOf(later, '09999')).toMatchObject({ newCases: 0, cumulativeCases: 1, activeCases: 0 });
    expect((await report('24', dayPlus(day, 1))).cumulativeCases).toBe(before.cumulativeCases + 2 + (await report('24', dayPlus(day, 1))).newCases);
    expect((await report('24', dayPlus(day, -1))).cumulativeCases).toBe(before.cumulativeCases - before.newCases);
  });

  itWithPostgres('the epidemic curve by confirmation and by onset counts the standing cases of each day', async () => {
    const from = dayPlus(FIRST, -3);
    const to = dayPlus(FIRST, DAYS);
    const response = await hub.query(`query($p: ID, $from: String!, $to: String!, $by: CurveDate) { epidemicCurve(province: $p, from: $from, to: $to, by: $by) { date count } }`, { p: '79', from, to, by: 'ONSET' });
    expect(response.errors).toBeUndefined();
    const rejected = new Set(events.flatMap((e) => (e.type === 'case.rejected' ? [e.payload.caseId] : [])));
    const standing = events.filter((e): e is Extract<DomainEvent, { type: 'case.confirmed' }> => e.type === 'case.confirmed' && e.province === '79' && !rejected.has(e.payload.caseId));
    const expected = [];
    for (let d = from; d <= to; d = dayPlus(d, 1)) expected.push({ date: d, count: standing.filter((e) => e.payload.onsetDay === d).length });
    expect(response.data.epidemicCurve).toEqual(expected);
    const byConfirmation = await hub.query(`query($from: String!, $to: String!) { epidemicCurve(province: "79", from: $from, to: $to) { date count } }`, { from, to });
    expect(byConfirmation.data.epidemicCurve.map((d: any) => d.count).reduce((a: number, b: number) => a + b, 0)).toBe(standing.filter((e) => e.day >= from && e.day <= to).length);
  });

  itWithPostgres('Rt and the forecast read the incidence from the rollups; the forecast is the same for the same seed', async () => {
    // A steady epidemic in province 24: 20 to 40 cases a day for 40 days.
    const random = rng(7);
    const start = '2025-06-01';
    const incidence = Array.from({ length: 40 }, () => 20 + Math.floor(random() * 20));
    const cases: DomainEvent[] = incidence.flatMap((n, t) =>
      Array.from({ length: n }, () => {
        const day = dayPlus(start, t);
        const at = `${day}T02:00:00.000Z`;
        return { id: randomUUID(), type: 'case.confirmed', occurredAt: at, day, province: '24', ward: null, payload: { caseId: randomUUID(), confirmedAt: at, onsetDay: null } } as DomainEvent;
      }),
    );
    await deliver(cases);
    const to = dayPlus(start, 39);
    const rt = await hub.query(`query($from: String!, $to: String!) { reproductionNumber(province: "24", from: $from, to: $to) {
      serialIntervalMean serialIntervalSd serialIntervalSource priorMean priorSd minCases windows { start end mean median lower upper } skipped { start reason } } }`, { from: start, to });
    expect(rt.errors).toBeUndefined();
    const estimate = estimateR(incidence, { meanSi: COVID19_SERIAL_INTERVAL.meanDays, sdSi: COVID19_SERIAL_INTERVAL.sdDays });
    const got = rt.data.reproductionNumber;
    expect(got).toMatchObject({ serialIntervalMean: expect.closeTo(4.7, 5), serialIntervalSd: expect.closeTo(2.9, 5), priorMean: 5, priorSd: 5 });
    expect(got.serialIntervalSource).toContain('Nishiura');
    expect(got.windows).toHaveLength(estimate.windows.length);
    expect(got.windows.length).toBeGreaterThan(20);
    const last = estimate.windows.at(-1)!;
    expect(got.windows.at(-1)).toMatchObject({ start: dayPlus(start, last.tStart), end: to });
    // real columns: the serial interval is stored at single precision.
    expect(got.windows.at(-1).mean).toBeCloseTo(last.mean, 3);

    const FORECAST = `query($seed: Int, $asOf: String) { forecast(province: "24", days: 14, seed: $seed, asOf: $asOf) { date median lower upper } }`;
    const a = await hub.query(FORECAST, { seed: 42, asOf: to });
    const b = await hub.query(FORECAST, { seed: 42, asOf: to });
    expect(a.errors).toBeUndefined();
    expect(a.data.forecast).toHaveLength(14);
    expect(a.data.forecast[0].date).toBe(dayPlus(to, 1));
    expect(b.data.forecast).toEqual(a.data.forecast);
    for (const d of a.data.forecast) expect(d.lower <= d.median && d.median <= d.upper).toBe(true);
    const tooFar = await hub.query(`query { forecast(province: "24", days: 29) { date } }`);
    expect(codes(tooFar.errors)).toEqual(['BAD_USER_INPUT']);
  });

  itWithPostgres('a province official reads their province only; tracers and citizens nothing; bad arguments are coded', async () => {
    const official79 = await hub.token({ subject: 'official-79', role: 'province_official', provinces: ['79'] });
    const day = dayPlus(FIRST, 20);
    const own = await hub.query(REPORT, { province: '79', date: day }, { token: official79 });
    expect(own.errors).toBeUndefined();
    expect(own.data.situationReport.province).toBe('79');
    for (const province of ['01', null]) {
      const other = await hub.query(REPORT, { province, date: day }, { token: official79 });
      expect(codes(other.errors)).toEqual(['FORBIDDEN']);
      expect(other.data?.situationReport ?? null).toBeNull();
    }
    const curve = await hub.query(`query { epidemicCurve(province: "01", from: "2025-03-01", to: "2025-03-02") { count } }`, {}, { token: official79 });
    expect(codes(curve.errors)).toEqual(['FORBIDDEN']);
    for (const role of ['tracer', 'citizen'] as const) {
      const token = await hub.token({ subject: `someone-${role}`, role, provinces: ['79'] });
      expect(codes((await hub.query(REPORT, { province: '79', date: day }, { token })).errors)).toEqual(['FORBIDDEN']);
    }
    expect(codes((await hub.query(REPORT, { province: '79', date: '2025-02-30' })).errors)).toEqual(['BAD_USER_INPUT']);
    expect(codes((await hub.query(REPORT, { province: '7', date: day })).errors)).toEqual(['BAD_USER_INPUT']);
    expect(codes((await hub.query(`query { epidemicCurve(from: "2025-03-02", to: "2025-03-01") { count } }`)).errors)).toEqual(['BAD_USER_INPUT']);
  });

  itWithPostgres('changes in tracing, testing, vaccination and a province shard show in the report within seconds', async () => {
    const today = vietnamDay(new Date());
    const before = await report('79', today);
    // tracing: a case confirmed by an official (its run then tasks its contacts in the shards).
    const confirmed = await hub.query(`mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { __typename ... on CaseConfirmed { case { id } } } }`, {
      input: { personId: DEMO_PEOPLE.ha.id, province: '79', confirmedAt: new Date().toISOString() },
    });
    expect(confirmed.data.confirmCase.__typename).toBe('CaseConfirmed');
    await expect.poll(async () => (await report('79', today)).newCases, { timeout: 20_000, interval: 200 }).toBe(before.newCases + 1);

    // testing: a positive PCR taken at province 79's site.
    const resulted = await hub.query(`mutation($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted } }`, {
      results: [{ sampleId: `A-${randomUUID()}`, personId: DEMO_PEOPLE.binh.id, kind: 'PCR', result: 'NEGATIVE', collectedAt: new Date(Date.now() - 120_000).toISOString(), resultedAt: new Date(Date.now() - 60_000).toISOString(), testingSite: { province: '79', id: demoId('testingSite', '79', 1) } }],
    });
    expect(resulted.errors).toBeUndefined();
    expect(resulted.data.recordTestResults.accepted).toBe(1);
    await expect.poll(async () => (await report('79', today)).testsDone, { timeout: 20_000, interval: 200 }).toBe(before.testsDone + 1);

    // province shard: a facility's occupancy (free beds are the latest report of each facility).
    const facility = demoId('facility', '79', 1);
    const set = await hub.query(`mutation($id: ID!) { setFacilityOccupancy(province: "79", facilityId: $id, occupied: 3) { __typename ... on FacilityOccupancySet { facility { capacity freeBeds } } } }`, { id: facility });
    expect(set.errors).toBeUndefined();
    const { capacity } = set.data.setFacilityOccupancy.facility;
    await expect.poll(async () => (await report('79', today)).freeBeds, { timeout: 20_000, interval: 200 }).toBe(before.freeBeds + capacity - 3);

    // vaccination: an upload's doses count on the day each was given, in the person's ward: three given
    // now in two wards of 79 and one two days ago (the site's upload; an official may send it too).
    const earlier = new Date(Date.now() - 2 * 86_400_000);
    const beforeEarlier = await report('79', vietnamDay(earlier));
    const dose = (wardCode: string, at: Date) => ({ recordId: `A-${randomUUID()}`, personId: randomUUID(), product: 'COMIRNATY', doseNumber: 1, administeredAt: at.toISOString(), wardCode, birthYear: 1990 });
    const now = new Date(Date.now() - 60_000);
    const doses = [dose(DEMO_PEOPLE.an.wardCode, now), dose(DEMO_PEOPLE.an.wardCode, now), dose(DEMO_PEOPLE.binh.wardCode, now), dose(DEMO_PEOPLE.an.wardCode, earlier)];
    const upload = `mutation($doses: [DoseInput!]!) { recordVaccinations(doses: $doses) { accepted duplicates rejected { code } } }`;
    const dosed = await hub.query(upload, { doses });
    expect(dosed.errors).toBeUndefined();
    expect(dosed.data.recordVaccinations).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    await expect.poll(async () => (await report('79', today)).dosesGiven, { timeout: 20_000, interval: 200 }).toBe(before.dosesGiven + 3);
    await expect.poll(async () => (await report('79', vietnamDay(earlier))).dosesGiven, { timeout: 20_000, interval: 200 }).toBe(beforeEarlier.dosesGiven + 1);
    // The same upload again stores nothing and writes no event: one more dose then moves today's count by one.
    expect((await hub.query(upload, { doses })).data.recordVaccinations).toEqual({ accepted: 0, duplicates: 4, rejected: [] });
    expect((await hub.query(upload, { doses: [dose(DEMO_PEOPLE.an.wardCode, now)] })).data.recordVaccinations.accepted).toBe(1);
    await expect.poll(async () => (await report('79', today)).dosesGiven, { timeout: 20_000, interval: 200 }).toBe(before.dosesGiven + 4);
  });
});
