import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEFAULT_CONTACT_RULE } from '../../subgraphs/tracing/rules.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres, redisUrl } from '../support/services.ts';
import { bruteForceContacts, loadWorld, rng, smallWorld, type SmallWorld } from '../support/tracing-data.ts';
import { inject } from 'vitest';

const CONFIRM = /* GraphQL */ `
  mutation($input: ConfirmCaseInput!) {
    confirmCase(input: $input) {
      __typename
      ... on CaseConfirmed { created case { id infectiousFrom infectiousTo } }
      ... on CasePersonNotFound { personId }
      ... on InvalidCase { field message }
    }
  }`;
const RUN = /* GraphQL */ `
  query($id: ID!) { case(id: $id) { run { status f1Count f2Count provincesNotified provincesPending unplacedCount error } contacts { id degree person { id } via { id } rule } } }`;
const TASKS = (province: string) => `{ province(code: "${province}") { tracingTasks { contact { id } person { id } degree } } }`;

async function waitForRun(hub: TestHub, caseId: string, until: (run: any) => boolean = (r) => r?.status === 'SUCCEEDED' || r?.status === 'FAILED') {
  let last: any;
  await expect
    .poll(async () => {
      last = (await hub.query(RUN, { id: caseId })).data?.case;
      return until(last?.run);
    }, { timeout: 30_000, interval: 100 })
    .toBe(true);
  return last;
}

async function tasksByProvince(hub: TestHub, caseContacts: Set<string>): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  for (const province of ['01', '24', '79']) {
    const response = await hub.query(TASKS(province));
    const contacts = (response.data.province.tracingTasks as Array<{ contact: { id: string } }>).map((t) => t.contact.id).filter((id) => caseContacts.has(id));
    result.set(province, contacts);
  }
  return result;
}

// Queue tests run on both backends where both are here: BullMQ's PostgreSQL backend always, Redis when REDIS_URL answers.
const backends: Array<'postgres' | 'redis'> = inject('redisUrl') ? ['postgres', 'redis'] : ['postgres'];

describe.each(backends)('tracing runs (queues on %s)', (backend) => {
  let hub: TestHub;
  let world: SmallWorld;
  const now = new Date();

  beforeAll(async () => {
    hub = await startTestHub({
      seedDemo: false,
      redisUrl: backend === 'redis' ? (redisUrl() ?? undefined) : undefined,
      retry: { baseDelayMs: 100, maxDelayMs: 500 },
      workerOptions: { lockDuration: 2_000, stalledInterval: 1_000 },
    });
    world = smallWorld(rng(backend === 'redis' ? 7 : 42), now);
    await loadWorld(hub.hub, world);
  });
  afterAll(() => hub?.stop());

  itWithPostgres(`uses the ${backend} backend`, () => {
    expect(hub.hub.queues.kind).toBe(backend);
  });

  itWithPostgres('finds exactly the F1 and F2 sets a brute-force oracle finds, and hands each contact to their home province', async () => {
    // The person with the most check-ins makes an interesting case.
    const counts = new Map<string, number>();
    for (const c of world.checkIns) counts.set(c.personId, (counts.get(c.personId) ?? 0) + 1);
    const f0 = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const f0Home = world.people.find((p) => p.id === f0)!.provinceCode;
    const confirmed = await hub.query(CONFIRM, { input: { personId: f0, province: f0Home, confirmedAt: now.toISOString() } });
    const caseInfo = confirmed.data.confirmCase.case;
    const result = await waitForRun(hub, caseInfo.id);
    expect(result.run.status).toBe('SUCCEEDED');

    const expected = bruteForceContacts(world, f0, { from: new Date(caseInfo.infectiousFrom), to: new Date(caseInfo.infectiousTo) }, DEFAULT_CONTACT_RULE, now);
    const actual = new Map<string, { degree: string; via: string | null }>(result.contacts.map((c: any) => [c.person.id, { degree: c.degree, via: c.via?.id ?? null }]));
    expect(expected.size).toBeGreaterThan(0);
    expect(actual).toEqual(expected);
    expect(result.contacts.every((c: any) => c.rule === DEFAULT_CONTACT_RULE.name)).toBe(true);
    expect(result.run).toMatchObject({
      f1Count: [...expected.values()].filter((c) => c.degree === 'F1').length,
      f2Count: [...expected.values()].filter((c) => c.degree === 'F2').length,
      provincesPending: [],
      unplacedCount: 0,
    });

    // Each contact's task sits in the shard of the province where that person lives, once.
    const contactIds = new Set<string>(result.contacts.map((c: any) => c.id));
    const tasks = await tasksByProvince(hub, contactIds);
    for (const c of result.contacts) {
      const home = world.people.find((p) => p.id === c.person.id)!.provinceCode;
      expect(tasks.get(home)?.filter((id) => id === c.id)).toHaveLength(1);
    }
    expect([...tasks.values()].flat()).toHaveLength(contactIds.size);
    const homes = new Set(result.contacts.map((c: any) => world.people.find((p) => p.id === c.person.id)!.provinceCode));
    expect(result.run.provincesNotified).toEqual([...homes].sort());
  });

  itWithPostgres('confirming the same case twice queues one run', async () => {
    const person = world.people[1]!;
    const input = { id: randomUUID(), personId: person.id, province: person.provinceCode, confirmedAt: now.toISOString() };
    const [first, second] = [await hub.query(CONFIRM, { input }), await hub.query(CONFIRM, { input })];
    expect(first.data.confirmCase.created).toBe(true);
    expect(second.data.confirmCase.created).toBe(false);
    await waitForRun(hub, input.id);
    const jobs = await hub.hub.tracing.runQueue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
    expect(jobs.filter((j) => j.data.caseId === input.id)).toHaveLength(1);
  });

  itWithPostgres('delivers the tasks of a province that was down once it is back, nothing lost', async () => {
    const registryFile = hub.hub.provinceRegistryFile;
    const registry = JSON.parse(readFileSync(registryFile, 'utf8')) as { provinces: Record<string, string> };
    // Pick a case whose contacts live in several provinces, then take one of those provinces away.
    // Someone in no earlier case's chain: a case's run does not task again people its chain already follows.
    const tracingSql = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!.database.sql;
    const inChains = new Set((await tracingSql`select person_id from contacts union select person_id from cases`).map((r) => r.person_id as string));
    const f0 = world.people.find((p) => {
      if (inChains.has(p.id)) return false;
      const found = bruteForceContacts(world, p.id, { from: new Date(now.getTime() - 4 * 86_400_000), to: now }, DEFAULT_CONTACT_RULE, now);
      return new Set([...found.keys()].map((id) => world.people.find((q) => q.id === id)!.provinceCode)).size >= 2;
    })!;
    const expected = bruteForceContacts(world, f0.id, { from: new Date(now.getTime() - 4 * 86_400_000), to: now }, DEFAULT_CONTACT_RULE, now);
    const down = world.people.find((p) => expected.has(p.id))!.provinceCode;
    const { [down]: _removed, ...without } = registry.provinces;
    writeFileSync(registryFile, JSON.stringify({ provinces: without }));
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the gateway re-reads the registry

    const confirmed = await hub.query(CONFIRM, {
      input: { personId: f0.id, province: f0.provinceCode, confirmedAt: now.toISOString(), onsetAt: new Date(now.getTime() - 2 * 86_400_000).toISOString() },
    });
    const caseId = confirmed.data.confirmCase.case.id;
    const pending = await waitForRun(hub, caseId);
    expect(pending.run.error).toBeNull();
    expect(pending.run.status).toBe('SUCCEEDED');
    expect(pending.run.provincesPending).toEqual([down]);
    expect(pending.run.provincesNotified).not.toContain(down);

    writeFileSync(registryFile, JSON.stringify(registry));
    const delivered = await waitForRun(hub, caseId, (run) => run?.provincesPending.length === 0);
    expect(delivered.run.provincesNotified).toContain(down);
    const contactIds = new Set<string>(delivered.contacts.map((c: any) => c.id));
    const tasks = await tasksByProvince(hub, contactIds);
    const inDown = delivered.contacts.filter((c: any) => world.people.find((p) => p.id === c.person.id)!.provinceCode === down).map((c: any) => c.id).sort();
    expect(tasks.get(down)!.sort()).toEqual(inDown);
    expect([...tasks.values()].flat()).toHaveLength(contactIds.size);
  });

  itWithPostgres('refuses a case for an unknown person, and an onset after the confirmation, writing nothing', async () => {
    const ghost = randomUUID();
    const unknown = await hub.query(CONFIRM, { input: { personId: ghost, province: '79', confirmedAt: now.toISOString() } });
    expect(unknown.data.confirmCase).toEqual({ __typename: 'CasePersonNotFound', personId: ghost });
    const person = world.people[2]!;
    const late = await hub.query(CONFIRM, {
      input: { personId: person.id, province: person.provinceCode, confirmedAt: new Date(now.getTime() - 86_400_000).toISOString(), onsetAt: now.toISOString() },
    });
    expect(late.data.confirmCase).toMatchObject({ __typename: 'InvalidCase', field: 'onsetAt' });
    const cases = await hub.query('query($p: ID!) { p: person(id: $p) { cases { id } } }', { p: person.id });
    expect(cases.data.p.cases).toEqual([]);
  });
});
