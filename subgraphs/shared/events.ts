/**
 * The domain events the hub's subgraphs publish (producers: tracing, province shards, testing,
 * vaccination) and the analytics subgraph consumes: the one contract both sides import. An event
 * carries ids and counts only, never personal data (no names, phones, health details of a person).
 */

/** The BullMQ queue the outbox relays put events on, in the order each database wrote them. */
export const DOMAIN_EVENTS_QUEUE = 'domain-events';

const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** Viet Nam days (UTC+7, no daylight saving): the day an instant belongs to, as `YYYY-MM-DD`. */
export function vietnamDay(at: Date): string {
  return new Date(at.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** The same day as a number (days since 1970-01-01 in Viet Nam): a grouping key that makes no string. */
export function vietnamDayNumber(at: Date): number {
  return Math.floor((at.getTime() + VIETNAM_OFFSET_MS) / 86_400_000);
}

export type TaskStatus = 'NEW' | 'CONTACTED' | 'ISOLATED' | 'TESTED' | 'CLOSED' | 'WITHDRAWN';
/** Statuses a task never leaves: closed by its tracer, or withdrawn with its rejected case. */
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = ['CLOSED', 'WITHDRAWN'];

export type TestOutcome = 'POSITIVE' | 'NEGATIVE' | 'INCONCLUSIVE' | 'INVALID';

/** What each event type says, beyond the common fields. */
export interface EventPayloads {
  /** A case (F0) was confirmed; `day` is the confirmation day. */
  'case.confirmed': { caseId: string; confirmedAt: string; onsetDay: string | null };
  /**
   * A confirmed case was rejected; `day` is the day it had been confirmed (the curve loses it there),
   * `rejectedAt` when it was rejected.
   */
  'case.rejected': { caseId: string; rejectedAt: string; onsetDay: string | null };
  /** A contact (F1/F2) was placed in the province they live in (`province`); `day` is the classification day. */
  'contact.found': { contactId: string; caseId: string; degree: 'F1' | 'F2' };
  /**
   * A province's tracing task was made (`from` null) or changed status; `day` is the day of the change.
   * `firstCallAt`: set on the task's first move out of NEW (the tracer reached the contact).
   */
  'task.status_changed': { taskId: string; caseId: string; from: TaskStatus | null; to: TaskStatus; dueDay: string; firstCallAt: string | null };
  /**
   * A lab's new result (one per sample; a pool is one test); `day` is the day it was resulted.
   * Uploads now write `tests.resulted`; the consumer still applies one left on the queue.
   */
  'test.resulted': { resultId: string; kind: string; outcome: TestOutcome };
  /**
   * `tests` new results of one upload with the same `day` (resulted), `province` (the testing
   * site's; null: no site), kind and outcome, one per sample (a pool is one test). One event per
   * such group rather than per sample: a lab's 5,000-row batch is a handful of outbox rows, relay
   * jobs and rollup upserts, not 5,000 (tests/bench/testing-ingest.bench.ts).
   */
  'tests.resulted': { kind: string; outcome: TestOutcome; tests: number };
  /**
   * A lab corrected a result it had sent (the same sample, other values); `day` and `province` are
   * the corrected result's, `was` where and how the previous version counted (it leaves that day).
   */
  'test.corrected': { resultId: string; kind: string; outcome: TestOutcome; was: { day: string; province: string | null; outcome: TestOutcome } };
  /**
   * One recorded dose; `day` is the day it was given. No producer writes it (the vaccination
   * subgraph writes `doses.recorded`); analytics still counts any left in an outbox or on the queue.
   */
  'dose.recorded': { doseId: string; product: string; doseNumber: number };
  /**
   * `count` vaccine doses of one upload given on `day` to residents of one ward (`province`,
   * `ward`), one per (day, ward) of an upload. No producer writes it (the vaccination subgraph
   * writes `doses.tallied`); analytics still counts any left in an outbox or on the queue.
   */
  'doses.recorded': { count: number };
  /**
   * An upload's new vaccine doses counted by the Viet Nam day they were given and the residence
   * ward: one event per upload (its `day` the earliest of the counts' days, `province` and `ward`
   * null: each count names its own). A historical upload spans months and every ward of its
   * people, hundreds of (day, ward) pairs per 5,000 doses; as `doses.recorded` events (one per
   * pair) they cost a third of the upload's CPU to write, relay and consume
   * (tests/bench/vaccination-ingest). The vaccination subgraph writes these; analytics still counts
   * a `doses.recorded` left on the queue.
   */
  'doses.tallied': { counts: Array<{ day: string; province: string; ward: string; count: number }> };
  /** A quarantine facility's occupancy was set; the latest per facility gives the free beds. */
  'facility.occupancy_changed': { facilityId: string; capacity: number; occupied: number; freeBeds: number };
}

export type DomainEventType = keyof EventPayloads;
export const DOMAIN_EVENT_TYPES = ['case.confirmed', 'case.rejected', 'contact.found', 'task.status_changed', 'test.resulted', 'tests.resulted', 'test.corrected', 'dose.recorded', 'doses.recorded', 'doses.tallied', 'facility.occupancy_changed'] as const satisfies readonly DomainEventType[];

/** An event as it travels: the common fields, then the payload of its type. */
export type DomainEvent = {
  [T in DomainEventType]: {
    /** A UUID, made by the producer: the consumer applies each id once. */
    id: string;
    type: T;
    /** When it happened (RFC 3339). */
    occurredAt: string;
    /** The Viet Nam day the figures count it in (`YYYY-MM-DD`). */
    day: string;
    /** The province it counts in (two-digit code); null when unknown (counted nationwide only). */
    province: string | null;
    /** The ward it counts in; null when the producer does not know it. */
    ward: string | null;
    payload: EventPayloads[T];
  };
}[DomainEventType];

/** An event before the outbox gives it an id (and, by default, its day from `occurredAt`). */
export type NewDomainEvent = {
  [T in DomainEventType]: Omit<Extract<DomainEvent, { type: T }>, 'id' | 'day' | 'occurredAt'> & { occurredAt: Date; day?: string; id?: string };
}[DomainEventType];

/** A relay's job on the queue: consecutive events of one producer's outbox, in order. */
export interface DomainEventsJob {
  source: string;
  events: DomainEvent[];
}
