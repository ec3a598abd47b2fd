import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, vi } from 'vitest';
import { DEMO_CASE } from '../../subgraphs/shared/demo.ts';
import * as tables from '../../subgraphs/tracing/db/schema.ts';
import { NATIONWIDE } from '../../subgraphs/tracing/access.ts';
import { createLoaders } from '../../subgraphs/tracing/loaders.ts';
import {
  CaseIdConflictError,
  UnknownContactRuleError,
  createRepositories,
  type ConfirmCaseCommand,
  type ContactInput,
  type TracingRepositories,
} from '../../subgraphs/tracing/repositories/index.ts';
import { DEFAULT_CONTACT_RULE } from '../../subgraphs/tracing/rules.ts';
import { seedTracingDemo } from '../../subgraphs/tracing/seed.ts';
import { tracingModule } from '../../subgraphs/tracing/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

describe('tracing repositories', () => {
  let database: TestDatabase<typeof tracingModule.tables>;
  let repos: TracingRepositories;

  beforeAll(async () => {
    database = await createTestDatabase(tracingModule);
    repos = createRepositories(database.db);
  });
  afterAll(() => database?.drop());

  const count = async (table: 'cases' | 'contacts' | 'tracing_runs') => {
    const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from ${database.sql(table)}`;
    return row?.n ?? -1;
  };

  function command(overrides: Partial<ConfirmCaseCommand> = {}): ConfirmCaseCommand {
    return {
      id: randomUUID(),
      personId: randomUUID(),
      provinceCode: '79',
      confirmedAt: new Date(Date.now() - HOUR),
      onsetAt: null,
      ruleName: DEFAULT_CONTACT_RULE.name,
      ...overrides,
    };
  }

  function exposure(personId: string, degree: 'F1' | 'F2', viaPersonId: string | null = null): ContactInput {
    const overlapStart = new Date('2025-07-01T02:00:00Z');
    return { personId, degree, viaPersonId, venueId: randomUUID(), overlapStart, overlapEnd: new Date(overlapStart.getTime() + 30 * 60_000), overlapMinutes: 30 };
  }

  itWithPostgres('has the default contact rule in a freshly migrated database', async () => {
    const rules = await repos.rules.all();
    expect(rules.map(({ createdAt: _, ...rule }) => rule)).toContainEqual({ ...DEFAULT_CONTACT_RULE });
  });

  itWithPostgres('computes the infectious window from the rule: (onset ?? confirmation) − days, until confirmation', async () => {
    await database.db
      .insert(tables.contactRules)
      .values({ name: 'strict-5d', minOverlapMinutes: 10, infectiousDaysBeforeOnset: 5, maxStayMinutes: 180, traceF2: false })
      .onConflictDoNothing();
    const confirmedAt = new Date('2025-07-10T08:00:00Z');
    const onsetAt = new Date('2025-07-08T06:30:00Z');

    const withOnset = await repos.cases.confirm(command({ confirmedAt, onsetAt, ruleName: 'strict-5d' }));
    expect(withOnset.case.infectiousFrom.toISOString()).toBe('2025-07-03T06:30:00.000Z');
    expect(withOnset.case.infectiousTo.toISOString()).toBe('2025-07-10T08:00:00.000Z');
    expect(withOnset.case.ruleName).toBe('strict-5d');

    const withoutOnset = await repos.cases.confirm(command({ confirmedAt }));
    expect(withoutOnset.case.infectiousFrom.toISOString()).toBe('2025-07-08T08:00:00.000Z'); // default rule: 2 days
    expect(withoutOnset.case.infectiousTo.toISOString()).toBe('2025-07-10T08:00:00.000Z');
  });

  itWithPostgres('confirms idempotently on the client id: one case and one QUEUED run', async () => {
    const cmd = command();
    const before = { cases: await count('cases'), runs: await count('tracing_runs') };
    const first = await repos.cases.confirm(cmd);
    const second = await repos.cases.confirm({ ...cmd, confirmedAt: new Date(cmd.confirmedAt.getTime() - 5 * 60_000) });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.case).toEqual(first.case); // the stored case, not the repeat's payload
    expect(await count('cases')).toBe(before.cases + 1);
    expect(await count('tracing_runs')).toBe(before.runs + 1);
    const [run] = await repos.runs.byIds([cmd.id]);
    expect(run).toMatchObject({ id: cmd.id, status: 'QUEUED', f1Count: 0, f2Count: 0, startedAt: null, provincesNotified: [] });
  });

  itWithPostgres('refuses an unknown rule and a reused id of another person, writing nothing', async () => {
    const before = { cases: await count('cases'), runs: await count('tracing_runs') };
    await expect(repos.cases.confirm(command({ ruleName: 'no-such-rule' }))).rejects.toBeInstanceOf(UnknownContactRuleError);
    const cmd = command();
    await repos.cases.confirm(cmd);
    await expect(repos.cases.confirm({ ...cmd, personId: randomUUID() })).rejects.toBeInstanceOf(CaseIdConflictError);
    expect(await count('cases')).toBe(before.cases + 1);
    expect(await count('tracing_runs')).toBe(before.runs + 1);
  });

  itWithPostgres('upserts contacts idempotently; F1 wins over F2 for one person; never the case person', async () => {
    const cmd = command();
    await repos.cases.confirm(cmd);
    const [binh, chau, dung, ha] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

    // Châu arrives first as an F2 (through Bình), then as an F1: the F1 must win.
    const inserted = await repos.contacts.upsertContacts(cmd.id, [
      exposure(chau, 'F2', binh),
      exposure(binh, 'F1'),
      exposure(chau, 'F1'),
      exposure(dung, 'F2', chau),
      exposure(cmd.personId, 'F2', binh), // the case person, reached back through a contact
    ]);
    expect(inserted).toHaveLength(3);
    const byPerson = new Map((await repos.contacts.byCaseIds([cmd.id])).map((c) => [c.personId, c]));
    expect(byPerson.get(chau)).toMatchObject({ degree: 'F1', viaPersonId: null, ruleName: DEFAULT_CONTACT_RULE.name });
    expect(byPerson.get(binh)?.degree).toBe('F1');
    expect(byPerson.get(dung)).toMatchObject({ degree: 'F2', viaPersonId: chau });
    expect(byPerson.has(cmd.personId)).toBe(false);

    // A re-run (the worker crashed after writing) changes nothing; an F2 never downgrades an F1.
    const contactsBefore = await count('contacts');
    const again = await repos.contacts.upsertContacts(cmd.id, [exposure(binh, 'F2', chau), exposure(chau, 'F1'), exposure(dung, 'F2', binh)]);
    expect(again).toHaveLength(0);
    expect(await count('contacts')).toBe(contactsBefore);
    expect((await repos.contacts.byCaseIds([cmd.id])).find((c) => c.personId === binh)?.degree).toBe('F1');

    // Only new people are added later.
    expect(await repos.contacts.upsertContacts(cmd.id, [exposure(ha, 'F2', binh)])).toHaveLength(1);
    expect(await repos.contacts.countsByCase(cmd.id)).toEqual({ f1Count: 2, f2Count: 2 });
    expect(await repos.contacts.upsertContacts(cmd.id, [])).toEqual([]);
  });

  itWithPostgres('orders a case’s contacts F1 first, then by classification time', async () => {
    const cmd = command();
    await repos.cases.confirm(cmd);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await repos.contacts.upsertContacts(cmd.id, [exposure(a, 'F2', b)]);
    await repos.contacts.upsertContacts(cmd.id, [exposure(b, 'F1')]);
    await repos.contacts.upsertContacts(cmd.id, [exposure(c, 'F1')]);
    const ordered = await repos.contacts.byCaseIds([cmd.id]);
    expect(ordered.map((row) => row.personId)).toEqual([b, c, a]);
  });

  itWithPostgres('rejects a contacts batch as a whole when one row is invalid', async () => {
    const cmd = command();
    await repos.cases.confirm(cmd);
    const before = await count('contacts');
    // An F2 with no F1 to have been exposed through breaks contacts_via_check.
    await expect(repos.contacts.upsertContacts(cmd.id, [exposure(randomUUID(), 'F1'), exposure(randomUUID(), 'F2', null)])).rejects.toThrow();
    expect(await count('contacts')).toBe(before);
    await expect(repos.contacts.upsertContacts(randomUUID(), [exposure(randomUUID(), 'F1')])).rejects.toThrow(/does not exist/);
  });

  itWithPostgres('gives each person their strongest status in one statement for the whole batch', async () => {
    const caseA = command();
    const caseB = command();
    await repos.cases.confirm(caseA);
    await repos.cases.confirm(caseB);
    const [f1, f2, f1AndF2, nobody] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await repos.contacts.upsertContacts(caseA.id, [exposure(f1, 'F1'), exposure(f2, 'F2', f1), exposure(caseB.personId, 'F1')]);
    await repos.contacts.upsertContacts(caseB.id, [exposure(f1AndF2, 'F2', f1)]);
    await repos.contacts.upsertContacts(caseA.id, [exposure(f1AndF2, 'F1')]);

    const spy = vi.spyOn(repos.contacts, 'contactStatusByPersonIds');
    const loaders = createLoaders(repos, NATIONWIDE);
    const people = [caseA.personId, f1, f2, f1AndF2, nobody, caseB.personId];
    const statuses = await Promise.all(people.map((id) => loaders.contactStatus.load(id)));
    expect(statuses).toEqual(['F0', 'F1', 'F2', 'F1', 'NONE', 'F0']);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[0]).toEqual(people);
    spy.mockRestore();
  });

  itWithPostgres('records a run’s progress for the worker: running, succeeded, failed', async () => {
    const cmd = command();
    await repos.cases.confirm(cmd);
    const startedAt = new Date('2025-07-10T09:00:00Z');
    expect(await repos.runs.markRunning(cmd.id, startedAt)).toMatchObject({ status: 'RUNNING', startedAt, finishedAt: null });
    const failed = await repos.runs.markFailed(cmd.id, 'province 24 did not answer');
    expect(failed).toMatchObject({ status: 'FAILED', error: 'province 24 did not answer' });
    expect(failed?.finishedAt).toBeInstanceOf(Date);
    expect(await repos.runs.markRunning(cmd.id)).toMatchObject({ status: 'RUNNING', error: null, finishedAt: null });
    const done = await repos.runs.markSucceeded(cmd.id, { f1Count: 2, f2Count: 1 }, ['79', '01', '79', '24']);
    expect(done).toMatchObject({ status: 'SUCCEEDED', f1Count: 2, f2Count: 1, provincesNotified: ['01', '24', '79'], error: null });
    expect(await repos.runs.markRunning(randomUUID())).toBeNull();
  });

  itWithPostgres('lists cases by province and period, newest confirmation first', async () => {
    const base = new Date('2024-03-01T00:00:00Z').getTime();
    const at = (days: number) => new Date(base + days * DAY);
    const hn = [1, 3, 2, 5].map((d) => command({ provinceCode: '01', confirmedAt: at(d) }));
    await Promise.all([...hn, command({ provinceCode: '24', confirmedAt: at(3) })].map((c) => repos.cases.confirm(c)));

    const inHanoi = await repos.cases.list({ provinceCode: '01', from: at(2), to: at(5), limit: 100 });
    expect(inHanoi.map((c) => c.confirmedAt.toISOString())).toEqual([at(3), at(2)].map((d) => d.toISOString())); // [from, to)
    const anywhere = await repos.cases.list({ from: at(3), to: at(4), limit: 100 });
    expect(anywhere.map((c) => c.provinceCode).sort()).toEqual(['01', '24']);
    const limited = await repos.cases.list({ provinceCode: '01', limit: 2 });
    expect(limited.map((c) => c.confirmedAt.toISOString())).toEqual([at(5), at(3)].map((d) => d.toISOString()));
  });

  itWithPostgres('seeds the demo case idempotently, with a window that covers the demo check-ins', async () => {
    const now = new Date('2025-07-10T15:20:00Z');
    const first = await seedTracingDemo(database.db, now);
    const second = await seedTracingDemo(database.db, now);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect((await repos.cases.byIds([DEMO_CASE.id])).length).toBe(1);
    expect(first.case).toMatchObject({ personId: DEMO_CASE.personId, provinceCode: '79' });
    expect(first.case.confirmedAt.toISOString()).toBe('2025-07-10T14:20:00.000Z');
    expect(first.case.onsetAt?.toISOString()).toBe('2025-07-09T00:00:00.000Z');
    // The demo check-ins at Chợ Bến Thành start at 02:00 UTC three days before `now`.
    expect(first.case.infectiousFrom.toISOString()).toBe('2025-07-07T00:00:00.000Z');
    expect((await repos.runs.byIds([DEMO_CASE.id]))[0]?.status).toBe('QUEUED');
  });
});
