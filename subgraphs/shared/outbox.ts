import { randomUUID } from 'node:crypto';
import { asc, inArray, sql, type SQL } from 'drizzle-orm';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { Queue } from 'bullmq';
import type postgres from 'postgres';
import { DOMAIN_EVENTS_QUEUE, vietnamDay, type DomainEvent, type DomainEventsJob, type NewDomainEvent } from './events.ts';
import type { JobsModule, RunningJobs } from './jobs.ts';
import type { Logger } from './logger.ts';
import { outboxEvents } from './outbox-table.ts';
import { textArray, uuidArray } from './sql.ts';
import type { QueueBackend } from './queues.ts';

/** A database or a transaction on it (what `db.transaction` passes to its callback). */
type AnyPgDatabase = PgDatabase<any, any, any>;

/**
 * Writes domain events to the outbox of the database `tx` belongs to. Call it inside the
 * transaction that makes the change, so the events exist exactly when the change committed.
 */
export async function writeEvents(tx: AnyPgDatabase, events: readonly NewDomainEvent[]): Promise<void> {
  if (events.length > 0) await tx.execute(eventsInsert(events));
}

/** The channel an outbox write notifies (at its transaction's commit) and its relay listens on. */
export const OUTBOX_CHANNEL = 'outbox_events';

/**
 * The one statement writeEvents runs (events as arrays through unnest), for a transaction drizzle
 * does not drive (a reserved connection's COPY upload, shared/copy.ts). Not for an empty list.
 * It also notifies OUTBOX_CHANNEL, which PostgreSQL delivers when the transaction commits (never
 * for one rolled back): the relay moves the events at once instead of finding them at its next look.
 */
export function eventsInsert(events: readonly NewDomainEvent[]): SQL {
  const values = <T>(value: (e: NewDomainEvent) => T) => sql.param(events.map(value));
  return sql`
    with stored as (
      insert into outbox_events (id, type, occurred_at, day, province, ward, payload)
      select * from unnest(${uuidArray(events.map((e) => e.id ?? randomUUID()))}, ${textArray(events.map((e) => e.type))},
                           ${textArray(events.map((e) => e.occurredAt.toISOString()))}::timestamptz[], ${textArray(events.map((e) => e.day ?? vietnamDay(e.occurredAt)))}::date[],
                           ${values((e) => e.province)}::varchar[], ${values((e) => e.ward)}::text[], ${textArray(events.map((e) => JSON.stringify(e.payload)))}::jsonb[]))
    select pg_notify(${OUTBOX_CHANNEL}, '')`;
}

export const domainEventsJobOptions = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3_600 },
  removeOnFail: { age: 7 * 24 * 3_600 },
} as const;

export interface OutboxRelayOptions {
  /** Names the producing database in logs and job ids (`tracing`, `province-79`). */
  source: string;
  /**
   * Idle wait between looks at the outbox while the relay hears its database's notifications: only
   * for one missed while the listening connection was down (default 5 s). Without them (a database
   * client that cannot listen, or the listen failed) the relay looks every `unheardPollMs`.
   */
  pollMs?: number;
  unheardPollMs?: number;
  /** Events per job. */
  batchSize?: number;
  /** Fault injection for tests: runs once a batch is on the queue, before its rows are deleted (a throw is a crash there). */
  afterAdd?: () => Promise<void>;
}

export interface OutboxRelay {
  /** Moves what the outbox holds now to the queue; returns how many events it moved. */
  flush(): Promise<number>;
  close(): Promise<void>;
}

export type RunningOutboxRelay = OutboxRelay & RunningJobs;

/**
 * Moves committed outbox rows to the `domain-events` queue in write order, then deletes them, in
 * one transaction per batch. At least once: a crash after the job was added and before the delete
 * committed sends the batch again (same job id while the first job is kept; the consumer applies
 * each event id once anyway). A transaction-scoped advisory lock lets one relay of a database
 * work at a time, so the order holds with several worker processes. Moves only when `flush` is
 * called; `startOutboxRelay` calls it in a loop.
 */
export function createOutboxRelay(db: AnyPgDatabase, queues: QueueBackend, options: OutboxRelayOptions): OutboxRelay {
  const queue: Queue<DomainEventsJob> = queues.createQueue<DomainEventsJob>(DOMAIN_EVENTS_QUEUE, domainEventsJobOptions);
  const batchSize = options.batchSize ?? 500;

  const flushOnce = () =>
    db.transaction(async (tx) => {
      const [lock] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(hashtext('outbox_relay')) as locked`);
      if (!lock?.locked) return 0;
      const rows = await tx.select().from(outboxEvents).orderBy(asc(outboxEvents.seq)).limit(batchSize);
      if (rows.length === 0) return 0;
      const events = rows.map(
        (r) =>
          ({
            id: r.id,
            type: r.type,
            occurredAt: r.occurredAt.toISOString(),
            day: r.day,
            province: r.province,
            ward: r.ward,
            payload: r.payload,
          }) as DomainEvent,
      );
      await queue.add(events[0]!.type, { source: options.source, events }, { jobId: `${options.source}.${rows[0]!.id}.${rows.length}` });
      await options.afterAdd?.();
      await tx.delete(outboxEvents).where(inArray(outboxEvents.seq, rows.map((r) => r.seq)));
      return rows.length;
    });

  const flush = async () => {
    let moved = 0;
    for (let n = await flushOnce(); n > 0; n = n === batchSize ? await flushOnce() : 0) moved += n;
    return moved;
  };
  return { flush, close: () => queue.close() };
}

/**
 * The relay at work: flushes the outbox whenever its database notifies OUTBOX_CHANNEL (an outbox
 * write committed), and otherwise every `pollMs`, until closed. A notification that comes during a
 * flush makes another flush follow at once. Polling every 200 ms instead cost each relay's process
 * and its database 5 empty transactions a second: idle, 15-20 ms of CPU a second per province shard
 * and about 45 ms in the worker, which relays the national databases (reads bench, idle line).
 */
export function startOutboxRelay(db: AnyPgDatabase, queues: QueueBackend, logger: Logger, options: OutboxRelayOptions): RunningOutboxRelay {
  const relay = createOutboxRelay(db, queues, options);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  /** A notification came since the last flush began. */
  let notified = false;
  const notify = () => {
    notified = true;
    wake?.();
  };
  // postgres.js listens on a connection of its own, and listens again after reconnecting (onlisten:
  // then flush, for what was written while it was away).
  const client = (db as { $client?: Partial<Pick<postgres.Sql, 'listen'>> }).$client;
  const listening: Promise<postgres.ListenMeta | undefined> = client?.listen
    ? client.listen(OUTBOX_CHANNEL, notify, notify).catch((error: unknown) => {
        logger.warn({ err: error, source: options.source }, 'outbox relay cannot listen for notifications; polling instead');
        return undefined;
      })
    : Promise.resolve(undefined);
  const flush = () => relay.flush();

  const loop = async () => {
    const heard = (await listening) !== undefined;
    const pollMs = heard ? (options.pollMs ?? 5_000) : (options.unheardPollMs ?? 200);
    while (!stopped) {
      let pause = pollMs;
      notified = false;
      try {
        await flush();
        if (notified) continue;
      } catch (error) {
        if (stopped) break;
        logger.warn({ err: error, source: options.source }, 'outbox relay failed; retrying');
        pause = 1_000;
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, pause);
      });
      wake = undefined;
    }
  };
  const running = loop();
  return {
    flush,
    close: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await running;
      await (await listening)?.unlisten();
      await relay.close();
    },
  };
}

/** The outbox relay as a subgraph's background job (`subgraphs/<name>/jobs/index.ts`). */
export function outboxRelayJobs(name: string, source = name): JobsModule<Record<string, unknown>, RunningOutboxRelay> {
  return {
    name,
    start: async ({ db, queues, logger }) => startOutboxRelay(db, queues, logger, { source }),
  };
}
