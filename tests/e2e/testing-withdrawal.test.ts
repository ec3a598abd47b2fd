import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { TRACING_TASK_STATUSES } from '../../subgraphs/province/db/schema.ts';
import { canTransition } from '../../subgraphs/province/transitions.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { loadWorld, type SmallWorld } from '../support/tracing-data.ts';

const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted rejected { index code } } }`;
const REJECT = /* GraphQL */ `mutation($id: ID!, $reason: String!) { rejectCase(caseId: $id, reason: $reason) { id status rejectionReason } }`;
const TASKS = /* GraphQL */ `query($code: ID!) { province(code: $code) { tracingTasks { id status degree person { id } case { id } notes { text } } } }`;
const SCHEDULE = /* GraphQL */ `query($id: ID!) { person(id: $id) { testSchedule { caseId dueOn status } } }`;
const UPDATE = /* GraphQL */ `mutation($p: ID!, $id: ID!, $s: TracingTaskStatus!) { updateTracingTask(province: $p, taskId: $id, status: $s) { __typename ... on TracingTaskUpdated { task { status } } ... on InvalidTransition { from to } } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

/**
 * Rejecting an automatic case withdraws its work: the tracing tasks its run sent to the contacts'
 * home provinces become WITHDRAWN (whatever open status they reached), the contacts' test
 * schedules are CANCELLED, and a late retry of the run (or of a delivery) brings nothing back.
 *
 * The world: P0 (79) met P1 (01) 30 hours ago; P1 then met P2 (24) 20 hours ago. P0's positive
 * makes a case with P1 as F1 (tasked in 01) and P2 as F2 (tasked in 24).
 */
describe('testing: a rejected case withdraws its tasks and cancels its schedules', () => {
  let hub: TestHub;
  let tracingSql: postgres.Sql;
  let lab: string;
  const [P0, P1, P2] = [randomUUID(), randomUUID(), randomUUID()];
  const [V1, V2] = [randomUUID(), randomUUID()];
  const world: SmallWorld = {
    people: [
      { id: P0!, provinceCode: '79', wardCode: '26740' },
      { id: P1!, provinceCode: '01', wardCode: '00004' },
      { id: P2!, provinceCode: '24', wardCode: '07210' },
    ],
    venues: [V1!, V2!],
    checkIns: [
      { id: randomUUID(), personId: P0!, venueId: V1!, in: hoursAgo(30), out: hoursAgo(29) },
      { id: randomUUID(), personId: P1!, venueId: V1!, in: hoursAgo(30), out: hoursAgo(29) },
      { id: randomUUID(), personId: P1!, venueId: V2!, in: hoursAgo(20), out: hoursAgo(19) },
      { id: randomUUID(), personId: P2!, venueId: V2!, in: hoursAgo(20), out: hoursAgo(19) },
    ],
  };
  const tasksOf = async (code: string, caseId: string) =>
    ((await hub.query(TASKS, { code })).data.province.tracingTasks as any[]).filter((t) => t.case?.id === caseId);
  const scheduleOf = async (personId: string, caseId: string) =>
    ((await hub.query(SCHEDULE, { id: personId })).data.person.testSchedule as any[]).filter((s) => s.caseId === caseId).map((s) => s.status);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testing-withdrawal-'));
    writeFileSync(join(dir, 'lab-w.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(RECORD), name: 'RecordTestResults', type: 'mutation', body: RECORD }] }));
    hub = await startTestHub({ seedDemo: true, trustedDocumentsDir: dir, retry: { baseDelayMs: 100, maxDelayMs: 500 } });
    await loadWorld(hub.hub, world);
    tracingSql = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!.database.sql;
    lab = await hub.token({ subject: 'lab-w', role: 'partner', scopes: ['tests:write'] });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('tasks in every province become WITHDRAWN with the reason, schedules CANCELLED; a late retry resurrects nothing', async () => {
    const row = { sampleId: `W-${randomUUID()}`, personId: P0, kind: 'PCR', result: 'POSITIVE', ctValue: 24, collectedAt: hoursAgo(3).toISOString(), resultedAt: hoursAgo(1).toISOString(), testingSite: { province: '79', id: demoId('testingSite', '79', 1) } };
    const response = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${lab}` }, body: JSON.stringify({ documentId: `sha256:${sha256(RECORD)}`, variables: { results: [row] } }) });
    expect(((await response.json()) as any).data.recordTestResults).toEqual({ accepted: 1, rejected: [] });
    await expect.poll(async () => (await tracingSql`select r.status from cases c join tracing_runs r on r.id = c.id where c.person_id = ${P0!}`).map((r) => r.status), { timeout: 30_000, interval: 100 }).toEqual(['SUCCEEDED']);
    const [{ id: caseId }] = (await tracingSql`select id from cases where person_id = ${P0!}`) as unknown as [{ id: string }];

    // Delivered: P1's task in 01, P2's in 24, and their schedules (3 for the F1, 1 for the F2).
    const [f1Task] = await tasksOf('01', caseId);
    expect(f1Task).toMatchObject({ status: 'NEW', degree: 'F1', person: { id: P1 } });
    expect(await tasksOf('24', caseId)).toEqual([expect.objectContaining({ status: 'NEW', degree: 'F2', person: { id: P2 } })]);
    // Open (DUE, or OVERDUE when Viet Nam's midnight fell since the exposure hours ago).
    const open = expect.stringMatching(/^(DUE|OVERDUE)$/);
    expect(await scheduleOf(P1!, caseId)).toEqual([open, open, open]);
    expect(await scheduleOf(P2!, caseId)).toEqual([open]);
    // A tracer of Hà Nội has reached P1 already.
    const official01 = await hub.token({ role: 'province_official', provinces: ['01'] });
    expect((await hub.query(UPDATE, { p: '01', id: f1Task.id, s: 'CONTACTED' }, { token: official01 })).data.updateTracingTask.task.status).toBe('CONTACTED');

    const reason = 'Kết quả dương tính giả: mẫu bị nhiễm chéo';
    const official79 = await hub.token({ role: 'province_official', provinces: ['79'] });
    expect((await hub.query(REJECT, { id: caseId, reason }, { token: official79 })).data.rejectCase).toEqual({ id: caseId, status: 'REJECTED', rejectionReason: reason });

    await expect.poll(async () => (await tasksOf('01', caseId)).map((t) => t.status), { timeout: 20_000, interval: 100 }).toEqual(['WITHDRAWN']);
    await expect.poll(async () => (await tasksOf('24', caseId)).map((t) => t.status), { timeout: 20_000, interval: 100 }).toEqual(['WITHDRAWN']);
    expect((await tasksOf('01', caseId))[0].notes.map((n: any) => n.text)).toContainEqual(expect.stringContaining(reason));
    await expect.poll(() => scheduleOf(P1!, caseId), { timeout: 20_000, interval: 100 }).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(await scheduleOf(P2!, caseId)).toEqual(['CANCELLED']);
    // Final: nobody moves a withdrawn task, and nobody withdraws one by hand.
    expect((await hub.query(UPDATE, { p: '01', id: f1Task.id, s: 'ISOLATED' }, { token: official01 })).data.updateTracingTask).toMatchObject({ __typename: 'InvalidTransition', from: 'WITHDRAWN' });
    expect(TRACING_TASK_STATUSES.filter((from) => canTransition(from, 'WITHDRAWN'))).toEqual([]);

    // A late retry of the run: it tasks nobody, and what it had sent stays withdrawn.
    await hub.hub.tracing.runQueue.remove(caseId);
    await hub.hub.tracing.enqueueRun(caseId);
    await expect.poll(async () => (await hub.hub.tracing.runQueue.getJob(caseId))?.finishedOn, { timeout: 20_000, interval: 100 }).toBeDefined();
    expect((await tasksOf('01', caseId)).map((t) => t.status)).toEqual(['WITHDRAWN']);
    expect(await scheduleOf(P1!, caseId)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    // A delivery that was already on its way when the case was rejected: the shard and the
    // testing subgraph remember the withdrawn case, so the task arrives withdrawn and no schedule is written.
    const late = { contactId: randomUUID(), caseId, personId: P1, degree: 'F1', wardCode: '00004' };
    const service = await hub.token({ role: 'service', subject: 'tracing-worker' });
    const accepted = await hub.query(`mutation($i: [AcceptTracingTaskInput!]!) { acceptTracingTasks(province: "01", inputs: $i) { ... on TracingTaskAccepted { created } } }`, { i: [late] }, { token: service });
    expect(accepted.data.acceptTracingTasks).toEqual([{ created: true }]);
    expect((await tasksOf('01', caseId)).map((t) => t.status)).toEqual(['WITHDRAWN', 'WITHDRAWN']);
    const scheduled = await hub.query(`mutation($i: [ScheduleTestsInput!]!) { scheduleTests(inputs: $i) { scheduled } }`,
      { i: [{ contactId: late.contactId, caseId, personId: P1, degree: 'F1', exposedAt: hoursAgo(30).toISOString(), days: [2] }] }, { token: service });
    expect(scheduled.data.scheduleTests).toEqual({ scheduled: 0 });
    expect(await scheduleOf(P1!, caseId)).toHaveLength(3);

    // Rejecting again changes nothing more; the withdrawal, run again, withdraws nothing new.
    expect((await hub.query(REJECT, { id: caseId, reason: 'again' }, { token: official79 })).data.rejectCase.rejectionReason).toBe(reason);
    expect(await hub.hub.tracing.withdraw(caseId)).toEqual(['01', '24']);
  });
});
