import { FINAL_TASK_STATUSES, vietnamDay, type DomainEvent, type TaskStatus } from '../shared/events.ts';
import { ALL } from './db/schema.ts';

/**
 * What each domain event adds to the daily rollups: pure (no I/O), so the consumer
 * (repositories/rollups.ts) and the tests' brute-force oracle read the same definitions.
 *
 * Counters, the day's count: `cases_confirmed` and `cases_rejected` (on the day the case was
 * confirmed: a rejected case leaves that day's count), `cases_onset` (on the onset day; a rejection
 * takes it back), `contacts_f1`, `contacts_f2`, `tests_done`, `tests_positive`, `doses_given`,
 * `first_call_hNNN` (first calls on the day, by whole hours from the case's confirmation; 72: 72 h or more).
 * Levels, the day's change (their totals are kept, rollup_totals): `tasks_<STATUS>` (tasks in each
 * status), `tasks_open_due` (open tasks by due day: overdue on day X = those due before X),
 * `free_beds` (changed by each facility's new report).
 */
export const TASK_STATUSES: readonly TaskStatus[] = ['NEW', 'CONTACTED', 'ISOLATED', 'TESTED', 'CLOSED', 'WITHDRAWN'];
const isFinal = (status: TaskStatus) => FINAL_TASK_STATUSES.includes(status);
export const LEVELS: readonly string[] = ['cases_confirmed', 'cases_rejected', ...TASK_STATUSES.map((s) => `tasks_${s}`), 'tasks_open_due', 'free_beds'];
export const LEVEL_SET = new Set(LEVELS);

/** First calls later than this many hours go in the last bucket. */
export const FIRST_CALL_MAX_HOURS = 72;
export const firstCallMetric = (hours: number) => `first_call_h${String(hours).padStart(3, '0')}`;
export const FIRST_CALL_PREFIX = 'first_call_h';

export interface Increment {
  day: string;
  province: string;
  ward: string;
  metric: string;
  delta: number;
}

/** One change at an event's place, written to its ward, its province and the nation. */
export function atAreas(day: string, province: string | null, ward: string | null, metric: string, delta: number): Increment[] {
  const nation: Increment = { day, province: ALL, ward: ALL, metric, delta };
  if (!province) return [nation, { day, province: '', ward: ALL, metric, delta }];
  return [nation, { day, province, ward: ALL, metric, delta }, { day, province, ward: ward ?? '', metric, delta }];
}

/** The whole-hour bucket of a first call: hours from confirmation, 0 for a call before it (clock skew). */
export function firstCallBucket(calledAt: Date, confirmedAt: Date): number {
  const hours = Math.floor((calledAt.getTime() - confirmedAt.getTime()) / 3_600_000);
  return Math.min(FIRST_CALL_MAX_HOURS, Math.max(0, hours));
}

export function firstCallIncrements(province: string, ward: string, calledAt: Date, confirmedAt: Date): Increment[] {
  return atAreas(vietnamDay(calledAt), province || null, ward || null, firstCallMetric(firstCallBucket(calledAt, confirmedAt)), 1);
}

/** The increments of an event that need nothing but the event (first calls and facilities need state: see the repository). */
export function incrementsOf(event: DomainEvent): Increment[] {
  const here = (metric: string, delta = 1, day = event.day) => atAreas(day, event.province, event.ward, metric, delta);
  switch (event.type) {
    case 'case.confirmed':
      return [...here('cases_confirmed'), ...(event.payload.onsetDay ? here('cases_onset', 1, event.payload.onsetDay) : [])];
    case 'case.rejected':
      return [...here('cases_rejected'), ...(event.payload.onsetDay ? here('cases_onset', -1, event.payload.onsetDay) : [])];
    case 'contact.found':
      return here(event.payload.degree === 'F1' ? 'contacts_f1' : 'contacts_f2');
    case 'task.status_changed': {
      const { from, to, dueDay } = event.payload;
      return [
        ...(from ? here(`tasks_${from}`, -1) : []),
        ...here(`tasks_${to}`, 1),
        ...(from === null && !isFinal(to) ? here('tasks_open_due', 1, dueDay) : []),
        ...(from !== null && !isFinal(from) && isFinal(to) ? here('tasks_open_due', -1, dueDay) : []),
      ];
    }
    case 'test.resulted':
      return [...here('tests_done'), ...(event.payload.outcome === 'POSITIVE' ? here('tests_positive') : [])];
    case 'tests.resulted': {
      const { tests, outcome } = event.payload;
      return [...here('tests_done', tests), ...(outcome === 'POSITIVE' ? here('tests_positive', tests) : [])];
    }
    case 'test.corrected': {
      // The previous version leaves the day and place it counted in; the corrected one counts in its own.
      const { was, outcome } = event.payload;
      const before = (metric: string) => atAreas(was.day, was.province, null, metric, -1);
      return [...before('tests_done'), ...(was.outcome === 'POSITIVE' ? before('tests_positive') : []), ...here('tests_done'), ...(outcome === 'POSITIVE' ? here('tests_positive') : [])];
    }
    case 'dose.recorded':
      return here('doses_given');
    case 'doses.recorded':
      return here('doses_given', event.payload.count);
    case 'doses.tallied':
      return event.payload.counts.flatMap((c) => atAreas(c.day, c.province, c.ward, 'doses_given', c.count));
    case 'facility.occupancy_changed':
      return [];
  }
}

/** Sums increments with the same key, in key order (the upsert then locks rows in one order). */
export function mergeIncrements(increments: readonly Increment[]): Increment[] {
  const merged = new Map<string, Increment>();
  for (const i of increments) {
    const key = `${i.province}|${i.ward}|${i.day}|${i.metric}`;
    const found = merged.get(key);
    if (found) found.delta += i.delta;
    else merged.set(key, { ...i });
  }
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => i).filter((i) => i.delta !== 0);
}

/**
 * The median of first-call delays from whole-hour buckets: the bucket holding the lower median
 * call, reported at its middle (h + 0.5). Null when there were no calls.
 */
export function medianHours(histogram: ReadonlyMap<number, number>): number | null {
  const n = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (n <= 0) return null;
  const middle = Math.ceil(n / 2);
  let seen = 0;
  for (const hour of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(hour)!;
    if (seen >= middle) return hour + 0.5;
  }
  return null;
}
