import { randomUUID } from 'node:crypto';
import { FINAL_TASK_STATUSES, vietnamDay, type DomainEvent, type TaskStatus } from '../../subgraphs/shared/events.ts';
import type { Figures } from '../../subgraphs/analytics/report.ts';

/**
 * Random domain events over a range of days, and the situation report's figures counted from
 * them by brute force, straight from each figure's definition (README, "Analytics"), with none of
 * the subgraph's code: the oracle the rollups must agree with.
 */

const DAY_MS = 86_400_000;
export const dayPlus = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** An instant on a Viet Nam day at `hour` (0–23, Viet Nam time). */
const instant = (day: string, hour: number, minute = 0) => new Date(Date.parse(`${day}T00:00:00Z`) - 7 * 3_600_000 + hour * 3_600_000 + minute * 60_000);

export const ORACLE_AREAS: ReadonlyArray<{ province: string | null; wards: readonly (string | null)[] }> = [
  { province: '79', wards: ['26740', '26743', null] },
  { province: '01', wards: ['00004', '00070'] },
  { province: '24', wards: ['09187'] },
  { province: null, wards: [null] },
];

function event<T extends DomainEvent['type']>(type: T, at: Date, area: { province: string | null; ward: string | null }, payload: Extract<DomainEvent, { type: T }>['payload'], day = vietnamDay(at)): DomainEvent {
  return { id: randomUUID(), type, occurredAt: at.toISOString(), day, province: area.province, ward: area.ward, payload } as DomainEvent;
}

/** Events as producers would write them over `days` days from `first`, each in time order per thing. */
export function randomEvents(random: () => number, first: string, days: number): DomainEvent[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const place = () => {
    const a = pick(ORACLE_AREAS);
    return { province: a.province, ward: a.province ? pick(a.wards) : null };
  };
  const someDay = () => dayPlus(first, Math.floor(random() * days));
  const out: DomainEvent[] = [];
  const cases: Array<{ id: string; confirmedAt: Date }> = [];
  for (let i = 0; i < 120; i++) {
    const day = someDay();
    const at = instant(day, Math.floor(random() * 24), Math.floor(random() * 60));
    const onsetDay = random() < 0.7 ? dayPlus(day, -Math.floor(random() * 5)) : null;
    const id = randomUUID();
    const area = place();
    out.push(event('case.confirmed', at, area, { caseId: id, confirmedAt: at.toISOString(), onsetDay }));
    cases.push({ id, confirmedAt: at });
    if (random() < 0.15) {
      const rejectedAt = new Date(at.getTime() + random() * 3 * DAY_MS);
      out.push(event('case.rejected', rejectedAt, area, { caseId: id, rejectedAt: rejectedAt.toISOString(), onsetDay }, day));
    }
  }
  for (let i = 0; i < 150; i++) {
    const c = pick(cases);
    out.push(event('contact.found', new Date(c.confirmedAt.getTime() + random() * DAY_MS), place(), { contactId: randomUUID(), caseId: c.id, degree: random() < 0.6 ? 'F1' : 'F2' }));
  }
  // Tracing tasks: each created NEW, then some move along the workflow, in time order.
  for (let i = 0; i < 80; i++) {
    // A few tasks of cases whose confirmation never arrives: their first call is not counted.
    const c = random() < 0.9 ? pick(cases) : { id: randomUUID(), confirmedAt: instant(someDay(), 8) };
    const area = place();
    const taskId = randomUUID();
    let at = new Date(c.confirmedAt.getTime() + random() * 12 * 3_600_000);
    const dueDay = dayPlus(vietnamDay(at), 1 + Math.floor(random() * 2));
    out.push(event('task.status_changed', at, area, { taskId, caseId: c.id, from: null, to: 'NEW', dueDay, firstCallAt: null }));
    const path: TaskStatus[][] = [['CONTACTED', 'ISOLATED', 'CLOSED'], ['CONTACTED', 'TESTED'], ['CLOSED'], ['CONTACTED'], ['CONTACTED', 'WITHDRAWN'], []];
    let from: TaskStatus = 'NEW';
    for (const to of pick(path)) {
      at = new Date(at.getTime() + random() * 80 * 3_600_000);
      const firstCallAt = from === 'NEW' && to !== 'CLOSED' ? at.toISOString() : null;
      out.push(event('task.status_changed', at, area, { taskId, caseId: c.id, from, to, dueDay, firstCallAt }));
      from = to;
    }
  }
  for (let i = 0; i < 200; i++) {
    const at = instant(someDay(), Math.floor(random() * 24));
    out.push(event('test.resulted', at, place(), { resultId: randomUUID(), kind: random() < 0.5 ? 'PCR' : 'RAPID_ANTIGEN', outcome: random() < 0.2 ? 'POSITIVE' : pick(['NEGATIVE', 'NEGATIVE', 'INCONCLUSIVE'] as const) }));
  }
  // Uploads' groups of results (tests.resulted): several tests in one event.
  for (let i = 0; i < 60; i++) {
    const at = instant(someDay(), Math.floor(random() * 24));
    out.push(event('tests.resulted', at, { ...place(), ward: null }, { kind: random() < 0.5 ? 'PCR' : 'RAPID_ANTIGEN', outcome: random() < 0.2 ? 'POSITIVE' : pick(['NEGATIVE', 'INCONCLUSIVE'] as const), tests: 1 + Math.floor(random() * 40) }));
  }
  for (let i = 0; i < 100; i++) {
    out.push(event('dose.recorded', instant(someDay(), Math.floor(random() * 24)), place(), { doseId: randomUUID(), product: 'COMIRNATY', doseNumber: 1 + Math.floor(random() * 3) }));
  }
  // Facilities report occupancy now and then; kept in time order (an older late report changes nothing, by design).
  for (const [f, area] of [['fac-1', { province: '79', ward: '26740' }], ['fac-2', { province: '79', ward: '26743' }], ['fac-3', { province: '01', ward: '00004' }]] as const) {
    const reports = Array.from({ length: 6 }, () => instant(someDay(), Math.floor(random() * 24))).sort((a, b) => a.getTime() - b.getTime());
    for (const at of reports) {
      const capacity = 100;
      const occupied = Math.floor(random() * capacity);
      out.push(event('facility.occupancy_changed', at, area, { facilityId: f, capacity, occupied, freeBeds: capacity - occupied }));
    }
  }
  return out;
}

/** The report's figures (the shape only: every value here is counted from the events). */
export type OracleFigures = Figures;

/** Whole hours from a case's confirmation to a first call, 0 for a call before it, 72 for 72 or more. */
const firstCallHours = (calledAt: string, confirmedAt: number) => Math.min(72, Math.max(0, Math.floor((Date.parse(calledAt) - confirmedAt) / 3_600_000)));
/** The lower median of whole-hour delays, reported at the middle of its hour. */
const medianHours = (delays: number[]) => (delays.length ? [...delays].sort((a, b) => a - b)[Math.ceil(delays.length / 2) - 1]! + 0.5 : null);

/** The figures of one Viet Nam day for the events of an area (`inArea`), from the distinct events by id. */
export function oracleFigures(all: readonly DomainEvent[], inArea: (e: DomainEvent) => boolean, day: string): OracleFigures {
  const byId = new Map(all.map((e) => [e.id, e]));
  const events = [...byId.values()];
  const rejected = new Set(events.flatMap((e) => (e.type === 'case.rejected' ? [e.payload.caseId] : [])));
  const confirmedAt = new Map(events.flatMap((e) => (e.type === 'case.confirmed' ? [[e.payload.caseId, Date.parse(e.payload.confirmedAt)] as const] : [])));
  const here = events.filter(inArea);
  const standing = here.filter((e) => e.type === 'case.confirmed' && !rejected.has((e.payload as { caseId: string }).caseId));
  const count = (type: DomainEvent['type'], on: string, also: (e: DomainEvent) => boolean = () => true) => here.filter((e) => e.type === type && e.day === on && also(e)).length;

  // Each task's status at the end of the day: its last change dated on or before it.
  const tasks = new Map<string, Array<Extract<DomainEvent, { type: 'task.status_changed' }>>>();
  for (const e of here) if (e.type === 'task.status_changed') tasks.set(e.payload.taskId, [...(tasks.get(e.payload.taskId) ?? []), e]);
  const status: Record<TaskStatus, number> = { NEW: 0, CONTACTED: 0, ISOLATED: 0, TESTED: 0, CLOSED: 0, WITHDRAWN: 0 };
  let overdue = 0;
  const delays: number[] = [];
  for (const changes of tasks.values()) {
    const sorted = [...changes].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    const upTo = sorted.filter((c) => c.day <= day).at(-1);
    if (upTo) status[upTo.payload.to]++;
    const latest = sorted.at(-1)!;
    if (!FINAL_TASK_STATUSES.includes(latest.payload.to) && latest.payload.dueDay < day) overdue++;
    for (const c of sorted) {
      const confirmed = confirmedAt.get(c.payload.caseId);
      if (c.payload.firstCallAt && confirmed !== undefined && vietnamDay(new Date(c.payload.firstCallAt)) === day) delays.push(firstCallHours(c.payload.firstCallAt, confirmed));
    }
  }

  let freeBeds = 0;
  const facilities = new Map<string, Array<Extract<DomainEvent, { type: 'facility.occupancy_changed' }>>>();
  for (const e of here) if (e.type === 'facility.occupancy_changed') facilities.set(e.payload.facilityId, [...(facilities.get(e.payload.facilityId) ?? []), e]);
  for (const reports of facilities.values()) {
    const last = reports.filter((r) => r.day <= day).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt)).at(-1);
    freeBeds += last?.payload.freeBeds ?? 0;
  }

  // A tests.resulted event is `tests` tests of one outcome.
  const tests = (positive: boolean) =>
    count('test.resulted', day, (e) => e.type === 'test.resulted' && (!positive || e.payload.outcome === 'POSITIVE')) +
    here.filter((e) => e.type === 'tests.resulted' && e.day === day && (!positive || e.payload.outcome === 'POSITIVE')).reduce((sum, e) => sum + (e.type === 'tests.resulted' ? e.payload.tests : 0), 0);
  const testsDone = tests(false);
  const testsPositive = tests(true);
  return {
    newCases: standing.filter((e) => e.day === day).length,
    cumulativeCases: standing.filter((e) => e.day <= day).length,
    activeCases: standing.filter((e) => e.day <= day && e.day > dayPlus(day, -14)).length,
    contactsF1: count('contact.found', day, (e) => e.type === 'contact.found' && e.payload.degree === 'F1'),
    contactsF2: count('contact.found', day, (e) => e.type === 'contact.found' && e.payload.degree === 'F2'),
    tasksNew: status.NEW,
    tasksContacted: status.CONTACTED,
    tasksIsolated: status.ISOLATED,
    tasksTested: status.TESTED,
    tasksClosed: status.CLOSED,
    tasksWithdrawn: status.WITHDRAWN,
    tasksOverdue: overdue,
    medianHoursToFirstCall: medianHours(delays),
    testsDone,
    testsPositive,
    positivity: testsDone ? testsPositive / testsDone : null,
    dosesGiven: count('dose.recorded', day),
    freeBeds,
  };
}

/** The 7-day figures: counts and levels averaged, the median and positivity over the week pooled. */
export function oracleSevenDays(all: readonly DomainEvent[], inArea: (e: DomainEvent) => boolean, day: string): OracleFigures {
  const week = Array.from({ length: 7 }, (_, i) => dayPlus(day, -i));
  const each = week.map((d) => oracleFigures(all, inArea, d));
  const mean = (k: keyof OracleFigures) => each.reduce((s, f) => s + (f[k] as number), 0) / 7;
  const out = Object.fromEntries((Object.keys(each[0]!) as Array<keyof OracleFigures>).map((k) => [k, mean(k)])) as unknown as OracleFigures;
  // Pooled: every call of the week in one median.
  const inWeek = (e: DomainEvent) => inArea(e) && week.includes(e.type === 'task.status_changed' && e.payload.firstCallAt ? vietnamDay(new Date(e.payload.firstCallAt)) : e.day);
  const calls = oracleFiguresOverCalls(all, inWeek);
  out.medianHoursToFirstCall = calls;
  out.positivity = out.testsDone ? out.testsPositive / out.testsDone : null;
  return out;
}

function oracleFiguresOverCalls(all: readonly DomainEvent[], inWeek: (e: DomainEvent) => boolean): number | null {
  const byId = new Map(all.map((e) => [e.id, e]));
  const confirmedAt = new Map([...byId.values()].flatMap((e) => (e.type === 'case.confirmed' ? [[e.payload.caseId, Date.parse(e.payload.confirmedAt)] as const] : [])));
  const delays = [...byId.values()]
    .filter(inWeek)
    .flatMap((e) => (e.type === 'task.status_changed' && e.payload.firstCallAt && confirmedAt.has(e.payload.caseId) ? [firstCallHours(e.payload.firstCallAt, confirmedAt.get(e.payload.caseId)!)] : []));
  return medianHours(delays);
}
