import type { AreaSeries } from './repositories/reports.ts';
import { FIRST_CALL_PREFIX, medianHours, TASK_STATUSES } from './rollup.ts';

/** `YYYY-MM-DD` plus `n` days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The days a report for `day` reads from: its 7-day average of active cases reaches back 6 + 13 days. */
export const reportWindowStart = (day: string) => addDays(day, -19);

/** A report's figures for one day and area (the SDL's `SituationFigures`). */
export interface Figures {
  newCases: number;
  cumulativeCases: number;
  activeCases: number;
  contactsF1: number;
  contactsF2: number;
  tasksNew: number;
  tasksContacted: number;
  tasksIsolated: number;
  tasksTested: number;
  tasksClosed: number;
  tasksWithdrawn: number;
  tasksOverdue: number;
  medianHoursToFirstCall: number | null;
  testsDone: number;
  testsPositive: number;
  positivity: number | null;
  dosesGiven: number;
  freeBeds: number;
}

/** Cases count as active for this many days from their confirmation (day included), unless rejected. */
export const ACTIVE_DAYS = 14;

/** Reads one area's series as a report's figures. */
export class AreaFigures {
  constructor(private readonly s: AreaSeries) {}

  private on(metric: string, day: string): number {
    return this.s.byDay.get(day)?.get(metric) ?? 0;
  }

  /** A level at the end of `day` (within the series' days): its total minus the changes after that day. */
  private level(metric: string, day: string): number {
    let after = this.s.after.get(metric) ?? 0;
    for (const [d, metrics] of this.s.byDay) if (d > day) after += metrics.get(metric) ?? 0;
    return (this.s.totals.get(metric) ?? 0) - after;
  }

  private histogram(days: readonly string[]): Map<number, number> {
    const h = new Map<number, number>();
    for (const day of days) {
      for (const [metric, value] of this.s.byDay.get(day) ?? []) {
        if (metric.startsWith(FIRST_CALL_PREFIX)) {
          const hour = Number(metric.slice(FIRST_CALL_PREFIX.length));
          h.set(hour, (h.get(hour) ?? 0) + value);
        }
      }
    }
    return h;
  }

  private newCases(day: string): number {
    return this.on('cases_confirmed', day) - this.on('cases_rejected', day);
  }

  at(day: string): Figures {
    // Days without a row added nothing: only the series' days in the window count.
    const first = addDays(day, -(ACTIVE_DAYS - 1));
    let active = 0;
    for (const d of this.s.byDay.keys()) if (d >= first && d <= day) active += this.newCases(d);
    const testsDone = this.on('tests_done', day);
    const testsPositive = this.on('tests_positive', day);
    const [tasksNew, tasksContacted, tasksIsolated, tasksTested, tasksClosed, tasksWithdrawn] = TASK_STATUSES.map((s) => this.level(`tasks_${s}`, day)) as [number, number, number, number, number, number];
    return {
      newCases: this.newCases(day),
      cumulativeCases: this.level('cases_confirmed', day) - this.level('cases_rejected', day),
      activeCases: active,
      contactsF1: this.on('contacts_f1', day),
      contactsF2: this.on('contacts_f2', day),
      tasksNew,
      tasksContacted,
      tasksIsolated,
      tasksTested,
      tasksClosed,
      tasksWithdrawn,
      // Open tasks due on a day before this one (tasks_open_due is by due day).
      tasksOverdue: this.level('tasks_open_due', addDays(day, -1)),
      medianHoursToFirstCall: medianHours(this.histogram([day])),
      testsDone,
      testsPositive,
      positivity: testsDone > 0 ? testsPositive / testsDone : null,
      dosesGiven: this.on('doses_given', day),
      freeBeds: this.level('free_beds', day),
    };
  }

  /**
   * The 7 days ending on `day`: counts and levels averaged; the median first-call delay over the
   * week's calls and the positivity over the week's tests (pooled, not an average of ratios).
   */
  sevenDayAverage(day: string): Figures {
    const days = Array.from({ length: 7 }, (_, i) => addDays(day, -i));
    const each = days.map((d) => this.at(d));
    const mean = (f: (x: Figures) => number) => each.reduce((sum, x) => sum + f(x), 0) / each.length;
    const testsDone = mean((x) => x.testsDone);
    const testsPositive = mean((x) => x.testsPositive);
    return {
      newCases: mean((x) => x.newCases),
      cumulativeCases: mean((x) => x.cumulativeCases),
      activeCases: mean((x) => x.activeCases),
      contactsF1: mean((x) => x.contactsF1),
      contactsF2: mean((x) => x.contactsF2),
      tasksNew: mean((x) => x.tasksNew),
      tasksContacted: mean((x) => x.tasksContacted),
      tasksIsolated: mean((x) => x.tasksIsolated),
      tasksTested: mean((x) => x.tasksTested),
      tasksClosed: mean((x) => x.tasksClosed),
      tasksWithdrawn: mean((x) => x.tasksWithdrawn),
      tasksOverdue: mean((x) => x.tasksOverdue),
      medianHoursToFirstCall: medianHours(this.histogram(days)),
      testsDone,
      testsPositive,
      positivity: testsDone > 0 ? testsPositive / testsDone : null,
      dosesGiven: mean((x) => x.dosesGiven),
      freeBeds: mean((x) => x.freeBeds),
    };
  }
}

/** Each figure of `now` minus the same of `before` (null where either is null). */
export function change(now: Figures, before: Figures): Figures {
  const out = {} as Record<keyof Figures, number | null>;
  for (const key of Object.keys(now) as Array<keyof Figures>) {
    const a = now[key];
    const b = before[key];
    out[key] = a === null || b === null ? null : a - b;
  }
  return out as unknown as Figures;
}
