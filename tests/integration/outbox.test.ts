import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, vi } from 'vitest';
import { createQueueBackend, type QueueBackend } from '../../subgraphs/shared/queues.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { DOMAIN_EVENTS_QUEUE, type DomainEventsJob, type NewDomainEvent } from '../../subgraphs/shared/events.ts';
import { createOutboxRelay, domainEventsJobOptions, startOutboxRelay, writeEvents } from '../../subgraphs/shared/outbox.ts';
import { testingModule } from '../../subgraphs/testing/server.ts';
import { analyticsModule } from '../../subgraphs/analytics/server.ts';
import { createRepositories } from '../../subgraphs/analytics/repositories/index.ts';
import { createTestDatabase, itWithPostgres, postgresUrl, redisUrl, uniquePrefix, type TestDatabase } from '../support/services.ts';

const logger = createLogger('outbox-test', 'silent');
const dose = (n: number): NewDomainEvent => ({
  type: 'dose.recorded', occurredAt: new Date(Date.UTC(2025, 0, 1, 3, n)), province: '79', ward: '26740', payload: { doseId: randomUUID(), product: 'COMIRNATY', doseNumber: 1 + (n % 3) },
});

/**
 * The transactional outbox on a producer's real database and the real queue: events exist exactly
 * when their transaction committed, leave in write order, and a relay that crashes after putting a
 * batch on the queue sends it again; the consumer applies each event once.
 */
describe('outbox: write with the change, relay in order, at least once', () => {
  let producer: TestDatabase<typeof testingModule.tables> & { db: any };
  let consumer: TestDatabase<typeof analyticsModule.tables> & { db: any };
  let queues: QueueBackend;

  beforeAll(async () => {
    producer = await createTestDatabase(testingModule, 'outbox_producer');
    consumer = await createTestDatabase(analyticsModule, 'outbox_consumer');
    queues = await createQueueBackend({ redisUrl: redisUrl() ?? undefined, postgresServerUrl: postgresUrl()!, prefix: uniquePrefix('outbox'), logger });
  });
  afterAll(async () => {
    await queues?.close();
    await producer?.drop();
    await consumer?.drop();
  });

  const queued = async () => {
    const queue = queues.createQueue<DomainEventsJob>(DOMAIN_EVENTS_QUEUE, domainEventsJobOptions);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1, true);
    await queue.obliterate({ force: true });
    await queue.close();
    return jobs.flatMap((j) => j.data.events);
  };

  itWithPostgres('a rolled-back change leaves no event; committed events reach the queue in write order', async () => {
    const relay = createOutboxRelay(producer.db, queues, { source: 'test', batchSize: 7 });
    const failed = producer.db.transaction(async (tx: any) => {
      await writeEvents(tx, [dose(0)]);
      throw new Error('the change failed');
    });
    await expect(failed).rejects.toThrow('the change failed');
    const written = Array.from({ length: 20 }, (_, i) => dose(i + 1));
    for (let i = 0; i < written.length; i += 3) await producer.db.transaction((tx: any) => writeEvents(tx, written.slice(i, i + 3)));
    await relay.flush();
    await relay.close();
    const events = await queued();
    expect(events.map((e) => e.payload)).toEqual(written.map((e) => e.payload));
    expect(events.every((e) => e.day === '2025-01-01' && e.province === '79')).toBe(true);
    expect((await producer.sql`select count(*)::int as n from outbox_events`)[0]!.n).toBe(0);
  });

  itWithPostgres('a running relay moves a committed event when its database notifies, not at its next look; a rolled-back one notifies nothing', async () => {
    // A minute between looks: only the commit's notification can explain the event leaving sooner.
    const relay = startOutboxRelay(producer.db, queues, logger, { source: 'listening', pollMs: 60_000, unheardPollMs: 60_000 });
    const pending = async () => (await producer.sql`select count(*)::int as n from outbox_events`)[0]!.n as number;
    const [first, second, third] = [dose(41), dose(42), dose(43)];
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // its first look (an empty outbox) is done
      await expect(producer.db.transaction(async (tx: any) => { await writeEvents(tx, [dose(40)]); throw new Error('rolled back'); })).rejects.toThrow('rolled back');
      await producer.db.transaction((tx: any) => writeEvents(tx, [first!, second!]));
      await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 10_000, interval: 50 });
      await producer.db.transaction((tx: any) => writeEvents(tx, [third!]));
      await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 10_000, interval: 50 });
    } finally {
      await relay.close();
    }
    expect((await queued()).map((e) => e.payload)).toEqual([first, second, third].map((e) => e!.payload));
  });

  itWithPostgres('a relay that crashes after the queue took a batch sends it again; the consumer applies each event once', async () => {
    let crashes = 1;
    const relay = createOutboxRelay(producer.db, queues, {
      source: 'test', afterAdd: async () => {
        if (crashes-- > 0) throw new Error('crash between queue and delete');
      },
    });
    const written = Array.from({ length: 5 }, (_, i) => dose(i));
    await producer.db.transaction((tx: any) => writeEvents(tx, written));
    await expect(relay.flush()).rejects.toThrow('crash');
    expect((await producer.sql`select count(*)::int as n from outbox_events`)[0]!.n).toBe(5);
    await relay.flush();
    await relay.close();
    expect((await producer.sql`select count(*)::int as n from outbox_events`)[0]!.n).toBe(0);

    const events = await queued();
    expect(events.length).toBeGreaterThanOrEqual(5);
    const rollups = createRepositories(consumer.db).rollups;
    // Each delivery applied, and every event once more: only the first application counts.
    expect(await rollups.apply(events)).toBe(5);
    expect(await rollups.apply(events)).toBe(0);
    const [row] = await consumer.db.execute(sql`select (counts->>'doses_given')::int as value from ward_days where province = '79' and ward = '26740' and day = '2025-01-01'`);
    expect(row.value).toBe(5);
  });
});
