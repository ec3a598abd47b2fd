import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { CONFIRMATION_QUEUE, confirmationJobId, confirmationJobOptions, type ConfirmationJob } from '../../subgraphs/testing/jobs/confirmation.queue.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { loadWorld } from '../support/tracing-data.ts';

const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted corrected duplicates rejected { index code } } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/**
 * No lost confirmations: a positive stored while its confirmation job was lost (queue down when
 * the upload was accepted, or the job gone) is queued again by the testing jobs' sweep, and
 * confirms its case. The workers are off at first, so the job stays where the test can see it.
 */
describe('testing: the sweep queues positives whose confirmation job was lost', () => {
  let hub: TestHub;
  let testingSql: postgres.Sql;
  let tracingSql: postgres.Sql;
  let queue: Queue<ConfirmationJob>;
  let lab: string;
  const [P, Q] = [randomUUID(), randomUUID()];

  const record = async (results: unknown[]) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${lab}` },
      body: JSON.stringify({ documentId: `sha256:${sha256(RECORD)}`, variables: { results } }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data.recordTestResults;
  };
  const positive = (personId: string) => ({
    sampleId: `SW-${randomUUID()}`, personId, kind: 'PCR', result: 'POSITIVE', ctValue: 21,
    collectedAt: hoursAgo(3), resultedAt: hoursAgo(1), testingSite: { province: '79', id: demoId('testingSite', '79', 1) },
  });
  const jobOf = (personId: string, sampleId: string, revision = 1) => confirmationJobId({ personId, lab: 'lab-s', sampleId, revision });
  const casesOf = async (personId: string) => (await tracingSql`select id from cases where person_id = ${personId}`).map((r) => r.id as string);
  const judged = async (sampleId: string) => (await testingSql`select judged_revision from test_results where sample_id = ${sampleId}`)[0]!.judged_revision as number | null;
  // The sweep looks at positives recorded more than a minute before its `now`.
  const sweepLater = () => hub.hub.testingJobs.sweep(new Date(Date.now() + 120_000));

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testing-sweep-'));
    writeFileSync(join(dir, 'lab-s.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(RECORD), name: 'RecordTestResults', type: 'mutation', body: RECORD }] }));
    hub = await startTestHub({ seedDemo: true, trustedDocumentsDir: dir, tracingWorkers: false });
    await loadWorld(hub.hub, { people: [P, Q].map((id) => ({ id: id!, provinceCode: '79', wardCode: '26740' })), venues: [], checkIns: [] });
    testingSql = hub.hub.subgraphs.find((s) => s.name === 'testing')!.database.sql;
    tracingSql = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!.database.sql;
    queue = hub.hub.queues.createQueue<ConfirmationJob>(CONFIRMATION_QUEUE, confirmationJobOptions);
    lab = await hub.token({ subject: 'lab-s', role: 'partner', scopes: ['tests:write'] });
  });
  afterAll(async () => {
    await queue?.close();
    await hub?.stop();
  });

  itWithPostgres('a positive whose job was deleted is queued again by the sweep (once), and confirms its case when the workers run', async () => {
    const lost = positive(P!);
    const kept = positive(Q!);
    expect(await record([lost, kept])).toMatchObject({ accepted: 2, rejected: [] });
    // The upload queued one job per positive, its id derived from the result.
    expect(await queue.getJob(jobOf(P!, lost.sampleId))).toBeDefined();
    expect(await queue.getJob(jobOf(Q!, kept.sampleId))).toBeDefined();
    // Lost: as if Redis had been down when the upload was accepted.
    await queue.remove(jobOf(P!, lost.sampleId));
    expect(await queue.getJob(jobOf(P!, lost.sampleId))).toBeUndefined();

    // Not yet a minute old: the sweep leaves both alone.
    expect(await hub.hub.testingJobs.sweep()).toBe(0);
    expect(await queue.getJob(jobOf(P!, lost.sampleId))).toBeUndefined();
    // Later: both are unjudged; the lost one is queued again, the waiting one is left as it is.
    const jobsOf = async (sampleId: string) => (await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])).filter((j) => j.data.sampleId === sampleId);
    expect(await sweepLater()).toBeGreaterThanOrEqual(2);
    expect((await jobsOf(lost.sampleId)).map((j) => j.id)).toEqual([jobOf(P!, lost.sampleId)]);
    expect((await jobsOf(kept.sampleId)).map((j) => j.id)).toEqual([jobOf(Q!, kept.sampleId)]);
    // A second sweep adds nothing: the job id makes a double a no-op.
    await sweepLater();
    expect(await jobsOf(lost.sampleId)).toHaveLength(1);
    expect(await jobsOf(kept.sampleId)).toHaveLength(1);

    expect(await casesOf(P!)).toEqual([]);
    hub.hub.testingJobs.startWorkers();
    await expect.poll(() => casesOf(P!), { timeout: 20_000, interval: 100 }).toHaveLength(1);
    await expect.poll(() => casesOf(Q!), { timeout: 20_000, interval: 100 }).toHaveLength(1);
    // A job marks its result judged after the case is stored: wait for both marks.
    await expect.poll(() => judged(lost.sampleId), { timeout: 10_000, interval: 100 }).toBe(1);
    await expect.poll(() => judged(kept.sampleId), { timeout: 10_000, interval: 100 }).toBe(1);
    // Judged: the sweep no longer looks at them.
    const left = await testingSql`select sample_id from test_results where result = 'POSITIVE' and pool_size is null and judged_revision is distinct from revision and sample_id = any(${[lost.sampleId, kept.sampleId]})`;
    expect(left).toEqual([]);
  });

  itWithPostgres('a correction to positive is a new revision: queued with its own job id, unjudged until its job ran', async () => {
    const first = { ...positive(P!), result: 'NEGATIVE', ctValue: undefined };
    expect(await record([first])).toMatchObject({ accepted: 1 });
    expect(await judged(first.sampleId)).toBeNull();
    expect(await record([{ ...first, result: 'POSITIVE', ctValue: 25 }])).toMatchObject({ corrected: 1 });
    // Revision 2 is the positive one: its job has that revision in its id.
    expect(await queue.getJob(jobOf(P!, first.sampleId, 1))).toBeUndefined();
    await expect.poll(() => judged(first.sampleId), { timeout: 20_000, interval: 100 }).toBe(2);
    // P has an open case: no second one.
    expect(await casesOf(P!)).toHaveLength(1);
  });
});
