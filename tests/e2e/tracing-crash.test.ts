import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { loadWorld, rng, smallWorld, type SmallWorld } from '../support/tracing-data.ts';

describe('a tracing worker that dies mid-run', () => {
  let hub: TestHub;
  let world: SmallWorld;
  const now = new Date();
  let reached: () => void;
  const reachedDelivery = new Promise<void>((resolve) => (reached = resolve));
  let crashes = 1;

  beforeAll(async () => {
    hub = await startTestHub({
      seedDemo: false,
      retry: { baseDelayMs: 100, maxDelayMs: 500 },
      workerOptions: { lockDuration: 1_500, stalledInterval: 500 },
      // The first attempt stops for good after writing contacts and before sending any task.
      beforeTaskDelivery: async () => {
        if (crashes-- > 0) {
          reached();
          await new Promise(() => {});
        }
      },
    });
    world = smallWorld(rng(1234), now);
    await loadWorld(hub.hub, world);
  });
  afterAll(() => hub?.stop());

  itWithPostgres('is re-run by another worker, and every contact and task exists exactly once', async () => {
    const counts = new Map<string, number>();
    for (const c of world.checkIns) counts.set(c.personId, (counts.get(c.personId) ?? 0) + 1);
    const f0 = world.people.find((p) => p.id === [...counts].sort((a, b) => b[1] - a[1])[0]![0])!;
    const confirmed = await hub.query(`mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { ... on CaseConfirmed { case { id } } } }`, {
      input: { personId: f0.id, province: f0.provinceCode, confirmedAt: now.toISOString() },
    });
    const caseId = confirmed.data.confirmCase.case.id;
    await reachedDelivery;
    const midRun = await hub.query(`query($id: ID!) { case(id: $id) { run { status } contacts { id } } }`, { id: caseId });
    expect(midRun.data.case.run.status).toBe('RUNNING');
    const contactsBefore = midRun.data.case.contacts.length;
    expect(contactsBefore).toBeGreaterThan(0);

    // The "crash": the worker goes away without finishing; a new one starts.
    await hub.hub.tracing.stopWorkers(true);
    hub.hub.tracing.startWorkers();

    let final: any;
    await expect
      .poll(async () => {
        final = (await hub.query(`query($id: ID!) { case(id: $id) { run { status provincesNotified } contacts { id person { id } } } }`, { id: caseId })).data.case;
        return final.run.status;
      }, { timeout: 30_000, interval: 200 })
      .toBe('SUCCEEDED');
    expect(final.contacts).toHaveLength(contactsBefore);
    expect(new Set(final.contacts.map((c: any) => c.person.id)).size).toBe(contactsBefore);
    const contactIds = new Set<string>(final.contacts.map((c: any) => c.id));
    let tasks = 0;
    for (const province of ['01', '24', '79']) {
      const response = await hub.query(`{ province(code: "${province}") { tracingTasks { contact { id } } } }`);
      const mine = response.data.province.tracingTasks.filter((t: any) => contactIds.has(t.contact.id));
      expect(new Set(mine.map((t: any) => t.contact.id)).size).toBe(mine.length);
      tasks += mine.length;
    }
    expect(tasks).toBe(contactsBefore);
  });
});
