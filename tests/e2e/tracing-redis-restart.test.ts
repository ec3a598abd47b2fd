import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, inject, vi, type MockInstance } from 'vitest';
import type { Job } from 'bullmq';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { hasRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { itWithPostgres } from '../support/services.ts';
import { loadWorld, rng, smallWorld, type SmallWorld } from '../support/tracing-data.ts';

/**
 * Production runs Redis with its append-only file on; CI's shared Redis runs without persistence,
 * so this file starts a redis-server of its own (appendonly yes, fsync on every write) and restarts
 * it under the hub's queues and workers.
 */
// eslint-disable-next-line no-process-env -- the switch that turns a skip into a failure in CI
const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1';
if (!hasRedisServer && !REQUIRE_SERVICES) console.warn('[tests] NOTICE: skipping Redis restart tests: redis-server is not installed (apt-get install redis-server)');
const runs = (hasRedisServer || REQUIRE_SERVICES) && (Boolean(inject('postgresUrl')) || REQUIRE_SERVICES);

const CONFIRM = /* GraphQL */ `
  mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { ... on CaseConfirmed { case { id } } } }`;
const RUN = /* GraphQL */ `query($id: ID!) { case(id: $id) { run { status error } } }`;

describe.skipIf(!runs)('tracing runs across restarts of a persistent Redis', () => {
  let redis: RedisServer | undefined;
  let hub: TestHub;
  let world: SmallWorld;
  const now = new Date();
  let nextPerson = 0;
  /** Job id → how many times the run worker started it. */
  const started = new Map<string, number>();
  /** Failed reconnects must go to the hub's log, not straight to stderr past it. */
  let printed: MockInstance<typeof console.error>;
  /** A run the worker holds just before sending its tasks (the attempt is in progress), until `release`. */
  let held: { caseId: string; reached: boolean; release: Promise<void> } | undefined;

  beforeAll(async () => {
    if (!hasRedisServer) throw new Error('REQUIRE_SERVICES=1 but redis-server is not installed: apt-get install -y redis-server');
    redis = await startRedisServer();
    printed = vi.spyOn(console, 'error');
    hub = await startTestHub({
      seedDemo: false,
      redisUrl: redis.url,
      tracingWorkers: false,
      beforeTaskDelivery: async (caseId) => {
        if (held?.caseId !== caseId) return;
        held.reached = true;
        await held.release;
      },
    });
    world = smallWorld(rng(2024), now);
    await loadWorld(hub.hub, world);
  });
  afterAll(async () => {
    printed?.mockRestore();
    try {
      await hub?.stop();
    } finally {
      await redis?.stop();
    }
  });

  async function confirm(id = randomUUID()): Promise<string> {
    const person = world.people[nextPerson++]!;
    await hub.query(CONFIRM, { input: { id, personId: person.id, province: person.provinceCode, confirmedAt: now.toISOString() } });
    return id;
  }

  /** Starts the workers unless they run, counting each start of a run job. */
  function startWorkers(): void {
    if (hub.hub.tracing.workers.length > 0) return;
    hub.hub.tracing.startWorkers();
    hub.hub.tracing.workers[0]!.on('active', (job: Job) => started.set(job.id!, (started.get(job.id!) ?? 0) + 1));
  }

  /** Waits until both tracing queues' connections have failed to reconnect at least once, as they do while a production Redis loads its data. */
  const reconnectsFailed = () =>
    Promise.all([hub.hub.tracing.runQueue, hub.hub.tracing.deliveryQueue].map((queue) => once(queue.getBackend(), 'error')));

  const printedLines = () => printed.mock.calls.map((args) => args.map(String).join(' '));

  const statusOf = async (caseId: string) => (await hub.query(RUN, { id: caseId })).data.case.run.status as string;
  async function waitForSuccess(caseIds: string[]): Promise<void> {
    await expect.poll(async () => Promise.all(caseIds.map(statusOf)), { timeout: 30_000, interval: 200 }).toEqual(caseIds.map(() => 'SUCCEEDED'));
  }

  async function expectRanOnce(caseIds: string[]): Promise<void> {
    for (const id of caseIds) {
      expect(started.get(id), `run ${id} started`).toBe(1);
      const job = await hub.hub.tracing.runQueue.getJob(id);
      expect(await job!.getState()).toBe('completed');
      expect(job!.attemptsMade).toBe(1);
    }
  }

  itWithPostgres('loses no run queued before a SHUTDOWN or a kill -9, and runs each exactly once', async () => {
    const queue = hub.hub.tracing.runQueue;
    const beforeShutdown = [await confirm(), await confirm(), await confirm()];
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 3 });

    await redis!.restart('shutdown', reconnectsFailed);
    // The hub's queue connection finds the restarted server by itself.
    const beforeKill = [await confirm(), await confirm(), await confirm()];
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 6 });

    await redis!.restart('kill', reconnectsFailed);
    const queued = [...beforeShutdown, ...beforeKill];
    expect((await queue.getWaiting()).map((j) => j.id).sort()).toEqual([...queued].sort());

    startWorkers();
    await waitForSuccess(queued);
    await expectRanOnce(queued);
    expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active')).toEqual({ completed: 6, failed: 0, waiting: 0, delayed: 0, active: 0 });
    expect(printedLines()).toEqual([]);
  });

  itWithPostgres('a worker running through a kill -9 finishes its run and picks up runs queued after the restart', async () => {
    startWorkers();
    let release!: () => void;
    const midRun = randomUUID();
    held = { caseId: midRun, reached: false, release: new Promise<void>((resolve) => (release = resolve)) };
    await confirm(midRun);
    await expect.poll(() => held!.reached, { timeout: 30_000 }).toBe(true);

    await redis!.restart('kill', reconnectsFailed);
    const afterRestart = [await confirm(), await confirm()];
    release();

    await waitForSuccess([midRun, ...afterRestart]);
    await expectRanOnce([midRun, ...afterRestart]);
    expect(printedLines()).toEqual([]);
  });
});
