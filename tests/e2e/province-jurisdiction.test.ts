import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

const codes = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) => (errors ?? []).map((e) => e.extensions?.code);

/**
 * The attack that found the hole, replayed through the gateway: callers of other provinces and
 * citizens ask province 79's shard for its tasks, its tracers and its writes. The gateway's
 * scope checks let officials and tracers through (they hold tasks:read and tasks:write); the shard
 * must refuse by jurisdiction.
 */
describe('province jurisdiction through the gateway', () => {
  let hub: TestHub;
  let taskId: string;
  const personId = randomUUID();
  const FACILITY = demoId('facility', '79', 1);

  beforeAll(async () => {
    hub = await startTestHub();
    const accepted = await hub.query(
      `mutation ($i: AcceptTracingTaskInput!) { acceptTracingTask(province: "79", input: $i) { ... on TracingTaskAccepted { task { id } } } }`,
      { i: { contactId: randomUUID(), caseId: randomUUID(), personId, degree: 'F1', wardCode: '26743' } },
    );
    taskId = accepted.data.acceptTracingTask.task.id;
  });
  afterAll(() => hub?.stop());

  const TASKS = `{ province(code: "79") { name hotline tracingTasks { id person { id } assignedTo { fullName phone } } } }`;

  itWithPostgres("a province-01 official and a tracer of 24 get province 79's public data, not its tasks", async () => {
    for (const token of [
      await hub.token({ subject: 'official-01', role: 'province_official', provinces: ['01'] }),
      await hub.token({ subject: 'tracer-24', role: 'tracer', provinces: ['24'] }),
    ]) {
      const answer = await hub.query(TASKS, {}, { token });
      expect(answer.data.province).toMatchObject({ hotline: '028 3800 0115', tracingTasks: null });
      expect(codes(answer.errors)).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(answer)).not.toContain(personId);

      const one = await hub.query(`{ tracingTask(province: "79", id: "${taskId}") { id person { id } } }`, {}, { token });
      expect(one.data.tracingTask).toBeNull();
      expect(codes(one.errors)).toEqual(['FORBIDDEN']);
    }
    // The province's own official reads them.
    const own = await hub.query(TASKS, {}, { token: await hub.token({ role: 'province_official', provinces: ['79'] }) });
    expect(own.errors).toBeUndefined();
    expect(own.data.province.tracingTasks.map((t: { id: string }) => t.id)).toContain(taskId);
  });

  itWithPostgres('a province-01 official cannot change a province-79 task or facility', async () => {
    const token = await hub.token({ subject: 'official-01-writer', role: 'province_official', provinces: ['01'] });
    const update = await hub.query(`mutation { updateTracingTask(province: "79", taskId: "${taskId}", status: CONTACTED, note: "x") { __typename } }`, {}, { token });
    expect(codes(update.errors)).toEqual(['FORBIDDEN']);
    const occupancy = await hub.query(`mutation { setFacilityOccupancy(province: "79", facilityId: "${FACILITY}", occupied: 1) { __typename } }`, {}, { token });
    expect(codes(occupancy.errors)).toEqual(['FORBIDDEN']);

    const after = await hub.query(`{ tracingTask(province: "79", id: "${taskId}") { status notes { text } } quarantineFacility(province: "79", id: "${FACILITY}") { occupied } }`);
    expect(after.data).toEqual({ tracingTask: { status: 'NEW', notes: [] }, quarantineFacility: { occupied: 214 } });
  });

  itWithPostgres("a citizen sees the province's teams but not its tracers' names and phones", async () => {
    const token = await hub.token({ subject: randomUUID(), role: 'citizen' });
    const answer = await hub.query(`{ province(code: "79") { hotline tracerTeams { name tracers { fullName phone } } } }`, {}, { token });
    expect(answer.data.province.hotline).toBe('028 3800 0115');
    expect(answer.data.province.tracerTeams).toEqual([{ name: 'Tổ truy vết số 1 – HCDC', tracers: null }]);
    expect(codes(answer.errors)).toEqual(['FORBIDDEN']);
  });
});
