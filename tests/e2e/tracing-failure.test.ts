import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import type { Job } from 'bullmq';
import { cappedExponential, runJobOptions, type RetryPolicy } from '../../subgraphs/tracing/jobs/tracing-run.queue.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres, redisUrl } from '../support/services.ts';
import { loadWorld, rng, smallWorld, type SmallWorld } from '../support/tracing-data.ts';

const CONFIRM = /* GraphQL */ `
  mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { ... on CaseConfirmed { case { id } } } }`;
const RUN = /* GraphQL */ `query($id: ID!) { case(id: $id) { run { status error finishedAt f1Count } } }`;

/** One failed attempt as the run worker reported it. */
interface Attempt {
  attemptsMade: number;
  /** When this attempt started (the job's processedOn). */
  startedAt: number;
  /** The backoff BullMQ chose before the next attempt; 0 after the last. */
  delay: number;
  /** Moved to the failed set (no retry left). */
  finished: boolean;
  reason: string;
}

const backends: Array<'postgres' | 'redis'> = inject('redisUrl') ? ['postgres', 'redis'] : ['postgres'];

describe.each(backends)('tracing runs that keep failing (queues on %s)', (backend) => {
  let hub: TestHub;
  let world: SmallWorld;
  // Small delays so the eight attempts take a few seconds; the cap is reached after three doublings.
  const retry: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 400 };
  /** Runs whose worker "dies" on reaching task delivery (the attempt never ends), and how often it got there. */
  const dying = new Map<string, number>();

  beforeAll(async () => {
    hub = await startTestHub({
      seedDemo: false,
      redisUrl: backend === 'redis' ? (redisUrl() ?? undefined) : undefined,
      retry,
      // A dead worker's run is found stalled within about two seconds.
      workerOptions: { lockDuration: 1_500, stalledInterval: 500 },
      beforeTaskDelivery: async (caseId) => {
        if (!dying.has(caseId)) return;
        dying.set(caseId, dying.get(caseId)! + 1);
        await new Promise(() => {});
      },
    });
    world = smallWorld(rng(99), new Date());
    await loadWorld(hub.hub, world);
  });
  afterAll(() => hub?.stop());

  async function confirm(personIndex: number, id = randomUUID()): Promise<string> {
    const person = world.people[personIndex]!;
    await hub.query(CONFIRM, { input: { id, personId: person.id, province: person.provinceCode, confirmedAt: new Date().toISOString() } });
    return id;
  }

  async function waitForFailed(caseId: string): Promise<{ status: string; error: string | null; finishedAt: string | null; f1Count: number }> {
    let run: any;
    await expect
      .poll(async () => {
        run = (await hub.query(RUN, { id: caseId })).data.case.run;
        return run.status;
      }, { timeout: 30_000, interval: 100 })
      .toBe('FAILED');
    return run;
  }

  itWithPostgres('a run whose worker dies in every attempt ends FAILED with the reason, not RUNNING for ever', async () => {
    const caseId = randomUUID();
    dying.set(caseId, 0);
    await confirm(0, caseId);
    // BullMQ re-runs a stalled job once (maxStalledCount 1) and fails it at its second stall,
    // in the next worker, without running the processor again.
    for (let death = 1; death <= 2; death++) {
      await expect.poll(() => dying.get(caseId), { timeout: 30_000 }).toBe(death);
      await hub.hub.tracing.stopWorkers(true);
      hub.hub.tracing.startWorkers();
    }
    const run = await waitForFailed(caseId);
    const job = await hub.hub.tracing.runQueue.getJob(caseId);
    expect(await job!.getState()).toBe('failed');
    expect(job!.failedReason).toMatch(/stalled/);
    expect(run).toMatchObject({ status: 'FAILED', error: job!.failedReason });
    expect(run.finishedAt).not.toBeNull();
  });

  itWithPostgres('backs off with growing, capped delays, ends in the failed set after its attempts, and shows FAILED with the reason', async () => {
    // The run's first step asks the checkins subgraph for exposures: with it gone, every attempt fails the same way.
    await hub.hub.stopSubgraph('checkins');
    const attempts: Attempt[] = [];
    let caseId = '';
    hub.hub.tracing.workers[0]!.on('failed', (job: Job | undefined, error: Error) => {
      if (job?.id === caseId) attempts.push({ attemptsMade: job.attemptsMade, startedAt: job.processedOn ?? NaN, delay: job.delay, finished: Boolean(job.finishedOn), reason: error.message });
    });
    caseId = await confirm(1);
    const run = await waitForFailed(caseId);

    const total = runJobOptions.attempts!;
    // The run is marked FAILED inside the last attempt; the worker's 'failed' event follows it.
    await expect.poll(() => attempts.length, { timeout: 5_000 }).toBe(total);
    expect(attempts.map((a) => a.attemptsMade)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(attempts.map((a) => a.finished)).toEqual([...Array(total - 1).fill(false), true]);

    // The delays BullMQ applied: doubling from the base until the cap, then the cap, never above it.
    const delays = attempts.slice(0, -1).map((a) => a.delay);
    expect(delays).toEqual(Array.from({ length: total - 1 }, (_, i) => cappedExponential(retry)(i + 1)));
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    expect(Math.max(...delays)).toBe(retry.maxDelayMs);
    // And the worker waited them: each attempt started at least its delay after the one before.
    for (let i = 1; i < attempts.length; i++) {
      expect(attempts[i]!.startedAt - attempts[i - 1]!.startedAt).toBeGreaterThanOrEqual(delays[i - 1]!);
    }

    const queue = hub.hub.tracing.runQueue;
    const job = (await queue.getFailed()).find((j) => j.id === caseId);
    expect(job?.attemptsMade).toBe(total);
    expect(await queue.getJobState(caseId)).toBe('failed');
    expect(await queue.getJobCounts('delayed', 'waiting', 'active')).toEqual({ delayed: 0, waiting: 0, active: 0 });

    // As an official of the case's province sees it through the tracing subgraph: FAILED, why, and when.
    const reason = attempts.at(-1)!.reason;
    expect(reason).toMatch(/graph error/);
    expect(job?.failedReason).toBe(reason);
    expect(run).toMatchObject({ status: 'FAILED', error: reason, f1Count: 0 });
    expect(run.finishedAt).not.toBeNull();
    const official = await hub.token({ role: 'province_official', provinces: [world.people[1]!.provinceCode] });
    const seen = await hub.query(RUN, { id: caseId }, { token: official });
    expect(seen.data.case.run).toMatchObject({ status: 'FAILED', error: reason });
  });
});
