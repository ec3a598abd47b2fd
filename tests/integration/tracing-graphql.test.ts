import { randomUUID } from 'node:crypto';
import type { TracingContext } from '../../subgraphs/tracing/resolvers/index.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, vi } from 'vitest';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { ContactRepository, createRepositories, type TracingRepositories } from '../../subgraphs/tracing/repositories/index.ts';
import { DEFAULT_CONTACT_RULE } from '../../subgraphs/tracing/rules.ts';
import { tracingModule, tracingSubgraph } from '../../subgraphs/tracing/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

const config = { nationalIdKey: 'n'.repeat(40), logger: createLogger('test', 'silent') };
const identity: Identity = { subject: 'official-1', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: 'test' };
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

interface Result {
  data?: Record<string, any> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

const CONFIRM = /* GraphQL */ `
  mutation Confirm($input: ConfirmCaseInput!) {
    confirmCase(input: $input) {
      __typename
      ... on CaseConfirmed {
        created
        case { id person { id } province { code } confirmedAt onsetAt infectiousFrom infectiousTo rule { name infectiousDaysBeforeOnset } run { id status queuedAt } }
      }
      ... on InvalidCase { message field }
      ... on UnknownContactRule { message rule }
    }
  }
`;

const CASE = /* GraphQL */ `
  query Case($id: ID!, $degree: ContactDegree) {
    case(id: $id) {
      id
      rule { name minOverlapMinutes maxStayMinutes traceF2 }
      contacts(degree: $degree) {
        id degree rule classifiedAt person { id } via { id } case { id }
        exposure { venue { id } overlapStart overlapEnd overlapMinutes }
      }
      run { id status f1Count f2Count startedAt finishedAt provincesNotified error case { id } }
    }
  }
`;

describe('tracing subgraph over GraphQL', () => {
  let database: TestDatabase<typeof tracingModule.tables>;
  let definition: SubgraphDefinition<TracingContext>;
  let service: SubgraphService;
  let repos: TracingRepositories;
  const afterConfirm = vi.fn(async (_caseId: string) => {});

  async function run(query: string, variables: Record<string, unknown> = {}): Promise<Result> {
    const response = await service.executor.run({ query, variables }, definition.createContext(identity));
    return response.result as Result;
  }

  const counts = async () => {
    const [row] = await database.sql<{ cases: number; runs: number }[]>`
      select (select count(*)::int from cases) as cases, (select count(*)::int from tracing_runs) as runs`;
    return row;
  };

  const confirm = (input: Record<string, unknown>) => run(CONFIRM, { input });
  const validInput = (overrides: Record<string, unknown> = {}) => ({
    id: randomUUID(),
    personId: randomUUID(),
    province: '79',
    confirmedAt: new Date(Date.now() - HOUR).toISOString(),
    ...overrides,
  });

  beforeAll(async () => {
    database = await createTestDatabase(tracingModule);
    repos = createRepositories(database.db);
    definition = tracingSubgraph(database.db, config, { afterConfirm });
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
  });
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });
  beforeEach(() => afterConfirm.mockClear());

  itWithPostgres('confirms a case with its infectious window, queues its run and calls the afterConfirm hook', async () => {
    const input = validInput({ confirmedAt: '2025-07-10T15:00:00+07:00', onsetAt: '2025-07-09T08:00:00+07:00' });
    const result = await confirm(input);
    expect(result.errors).toBeUndefined();
    expect(result.data?.confirmCase).toEqual({
      __typename: 'CaseConfirmed',
      created: true,
      case: {
        id: input.id,
        person: { id: input.personId },
        province: { code: '79' },
        confirmedAt: '2025-07-10T08:00:00.000Z',
        onsetAt: '2025-07-09T01:00:00.000Z',
        infectiousFrom: '2025-07-07T01:00:00.000Z',
        infectiousTo: '2025-07-10T08:00:00.000Z',
        rule: { name: DEFAULT_CONTACT_RULE.name, infectiousDaysBeforeOnset: 2 },
        run: { id: input.id, status: 'QUEUED', queuedAt: expect.any(String) },
      },
    });
    expect(afterConfirm).toHaveBeenCalledTimes(1);
    expect(afterConfirm).toHaveBeenCalledWith(input.id);
  });

  itWithPostgres('is idempotent on the client id: a repeat returns the case (created: false), one case and one run', async () => {
    const input = validInput({ id: randomUUID().toUpperCase() });
    const before = await counts();
    const first = await confirm(input);
    const second = await confirm(input);
    expect(first.data?.confirmCase).toMatchObject({ __typename: 'CaseConfirmed', created: true });
    expect(second.data?.confirmCase).toMatchObject({ __typename: 'CaseConfirmed', created: false });
    expect(second.data?.confirmCase.case.id).toBe(input.id.toLowerCase());
    expect(await counts()).toEqual({ cases: before!.cases + 1, runs: before!.runs + 1 });
    // The run is still QUEUED, so the retry enqueues again (a no-op for BullMQ: job id = case id).
    expect(afterConfirm).toHaveBeenCalledTimes(2);

    await repos.runs.markRunning(input.id.toLowerCase());
    afterConfirm.mockClear();
    expect((await confirm(input)).data?.confirmCase).toMatchObject({ created: false });
    expect(afterConfirm).not.toHaveBeenCalled();
  });

  itWithPostgres('a failing afterConfirm hook fails the call; the retry (run still QUEUED) calls it again', async () => {
    const hook = vi.fn<(caseId: string) => Promise<void>>().mockRejectedValueOnce(new Error('queue down')).mockResolvedValue();
    const flaky = tracingSubgraph(database.db, config, { afterConfirm: hook });
    const flakyService = await buildSubgraphService(flaky, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
    try {
      const input = validInput();
      const call = async () => {
        const response = await flakyService.executor.run({ query: CONFIRM, variables: { input } }, flaky.createContext(identity));
        return response.result as Result;
      };
      const first = await call();
      expect(first.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(first.errors?.[0]?.message).not.toMatch(/queue down/);
      const retry = await call();
      expect(retry.data?.confirmCase).toMatchObject({ __typename: 'CaseConfirmed', created: false });
      expect(hook.mock.calls).toEqual([[input.id], [input.id]]);
    } finally {
      await flakyService.stop();
    }
  });

  itWithPostgres('refuses bad confirmations with a result naming the field, and writes nothing', async () => {
    const now = Date.now();
    const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [validInput({ personId: 'not-a-uuid' }), { __typename: 'InvalidCase', field: 'personId' }],
      [validInput({ id: '1234' }), { __typename: 'InvalidCase', field: 'id' }],
      [validInput({ province: '7' }), { __typename: 'InvalidCase', field: 'province' }],
      [validInput({ province: 'HCM' }), { __typename: 'InvalidCase', field: 'province' }],
      [validInput({ confirmedAt: new Date(now + 2 * HOUR).toISOString() }), { __typename: 'InvalidCase', field: 'confirmedAt' }],
      [
        validInput({ confirmedAt: new Date(now - DAY).toISOString(), onsetAt: new Date(now - DAY + HOUR).toISOString() }),
        { __typename: 'InvalidCase', field: 'onsetAt' },
      ],
      [
        validInput({ confirmedAt: new Date(now - DAY).toISOString(), onsetAt: new Date(now - 32 * DAY).toISOString() }),
        { __typename: 'InvalidCase', field: 'onsetAt' },
      ],
      [validInput({ rule: 'no-such-rule' }), { __typename: 'UnknownContactRule', rule: 'no-such-rule' }],
    ];
    const before = await counts();
    for (const [input, expected] of cases) {
      const result = await confirm(input);
      expect(result.errors, JSON.stringify(input)).toBeUndefined();
      expect(result.data?.confirmCase, JSON.stringify(input)).toMatchObject({ ...expected, message: expect.any(String) });
    }
    expect(await counts()).toEqual(before);
    expect(afterConfirm).not.toHaveBeenCalled();
  });

  itWithPostgres('accepts the edge cases: clock skew, onset 30 days before, onset at confirmation', async () => {
    const now = Date.now();
    const ok = [
      validInput({ confirmedAt: new Date(now + 60_000).toISOString() }),
      validInput({ confirmedAt: new Date(now - DAY).toISOString(), onsetAt: new Date(now - 31 * DAY + 60_000).toISOString() }),
      validInput({ confirmedAt: new Date(now - DAY).toISOString(), onsetAt: new Date(now - DAY).toISOString() }),
    ];
    for (const input of ok) expect((await confirm(input)).data?.confirmCase.__typename, JSON.stringify(input)).toBe('CaseConfirmed');
  });

  itWithPostgres('refuses a reused id for another person as InvalidCase on the id field', async () => {
    const input = validInput();
    await confirm(input);
    const before = await counts();
    const result = await confirm({ ...input, personId: randomUUID() });
    expect(result.data?.confirmCase).toMatchObject({ __typename: 'InvalidCase', field: 'id' });
    expect(await counts()).toEqual(before);
  });

  itWithPostgres('refuses a timestamp without a time zone as bad input', async () => {
    const before = await counts();
    const result = await confirm(validInput({ confirmedAt: '2025-07-10T08:00:00' }));
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await counts()).toEqual(before);
  });

  itWithPostgres('shows a case’s contacts (by degree), their exposure and the run', async () => {
    const input = validInput();
    await confirm(input);
    const [binh, chau, dung] = [randomUUID(), randomUUID(), randomUUID()];
    const venue = randomUUID();
    const overlapStart = new Date('2025-07-07T03:00:00Z');
    const overlapEnd = new Date('2025-07-07T04:00:00Z');
    const row = { venueId: venue, overlapStart, overlapEnd, overlapMinutes: 60 };
    await repos.contacts.upsertContacts(input.id, [
      { personId: dung, degree: 'F2', viaPersonId: chau, ...row },
      { personId: binh, degree: 'F1', ...row },
      { personId: chau, degree: 'F1', ...row },
    ]);
    await repos.runs.markRunning(input.id);
    await repos.runs.markSucceeded(input.id, await repos.contacts.countsByCase(input.id), ['79', '01']);

    const all = await run(CASE, { id: input.id });
    expect(all.errors).toBeUndefined();
    const found = all.data?.case;
    expect(found.rule).toEqual({ name: DEFAULT_CONTACT_RULE.name, minOverlapMinutes: 15, maxStayMinutes: 240, traceF2: true });
    // F1 first; the two F1s were classified in the same statement (same time), so their order is by id.
    expect(found.contacts.map((c: any) => c.degree)).toEqual(['F1', 'F1', 'F2']);
    expect(found.contacts.slice(0, 2).map((c: any) => c.person.id).sort()).toEqual([binh, chau].sort());
    expect(found.contacts[2].person.id).toBe(dung);
    expect(found.contacts[2]).toMatchObject({
      via: { id: chau },
      case: { id: input.id },
      rule: DEFAULT_CONTACT_RULE.name,
      exposure: { venue: { id: venue }, overlapStart: overlapStart.toISOString(), overlapEnd: overlapEnd.toISOString(), overlapMinutes: 60 },
    });
    expect(found.contacts[0].via).toBeNull();
    expect(found.run).toMatchObject({ id: input.id, status: 'SUCCEEDED', f1Count: 2, f2Count: 1, provincesNotified: ['01', '79'], error: null, case: { id: input.id } });

    const f2Only = await run(CASE, { id: input.id, degree: 'F2' });
    expect(f2Only.data?.case.contacts.map((c: any) => c.person.id)).toEqual([dung]);

    const contactId = found.contacts[2].id;
    const contact = await run(/* GraphQL */ `query($id: ID!) { contact(id: $id) { id degree person { id } via { id } } }`, { id: contactId });
    expect(contact.data?.contact).toEqual({ id: contactId, degree: 'F2', person: { id: dung }, via: { id: chau } });
  });

  itWithPostgres('answers null for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    expect((await run(CASE, { id: randomUUID() })).data?.case).toBeNull();
    const malformed = await run(CASE, { id: "1' or 1=1 --" });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    const contact = await run(/* GraphQL */ `query { contact(id: "nope") { id } }`);
    expect(contact.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  itWithPostgres('lists cases by province and period, newest first, and checks the arguments', async () => {
    const base = new Date('2024-05-01T00:00:00Z').getTime();
    const at = (days: number) => new Date(base + days * DAY).toISOString();
    const inputs = [1, 4, 2, 3].map((d) => validInput({ province: '24', confirmedAt: at(d) }));
    for (const input of [...inputs, validInput({ province: '01', confirmedAt: at(3) })]) await confirm(input);

    const query = /* GraphQL */ `
      query($province: ID, $from: DateTime, $to: DateTime, $limit: Int) {
        cases(province: $province, from: $from, to: $to, limit: $limit) { confirmedAt province { code } }
      }`;
    const listed = await run(query, { province: '24', from: at(2), to: at(4) });
    expect(listed.data?.cases.map((c: any) => c.confirmedAt)).toEqual([at(3), at(2)]);
    const limited = await run(query, { province: '24', limit: 2 });
    expect(limited.data?.cases.map((c: any) => c.confirmedAt)).toEqual([at(4), at(3)]);
    const nationwide = await run(query, { from: at(3), to: at(3.5) });
    expect(nationwide.data?.cases.map((c: any) => c.province.code).sort()).toEqual(['01', '24']);

    for (const [variables, argument] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 1001 }, 'limit'],
      [{ province: '7' }, 'province'],
      [{ from: at(4), to: at(2) }, 'from'],
    ] as const) {
      const result = await run(query, variables);
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
  });

  itWithPostgres('adds cases and a batched contact status to Person entities', async () => {
    const caseInput = validInput();
    await confirm(caseInput);
    const [f1, f2, nobody] = [randomUUID(), randomUUID(), randomUUID()];
    const row = { venueId: randomUUID(), overlapStart: new Date('2025-07-07T03:00:00Z'), overlapEnd: new Date('2025-07-07T03:20:00Z'), overlapMinutes: 20 };
    await repos.contacts.upsertContacts(caseInput.id, [{ personId: f1, degree: 'F1', ...row }, { personId: f2, degree: 'F2', viaPersonId: f1, ...row }]);

    const spy = vi.spyOn(ContactRepository.prototype, 'contactStatusByPersonIds');
    const people = [caseInput.personId, f1, f2, nobody];
    const result = await run(
      /* GraphQL */ `query($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Person { id contactStatus cases { id } } }
      }`,
      { representations: people.map((id) => ({ __typename: 'Person', id })) },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { id: caseInput.personId, contactStatus: 'F0', cases: [{ id: caseInput.id }] },
      { id: f1, contactStatus: 'F1', cases: [] },
      { id: f2, contactStatus: 'F2', cases: [] },
      { id: nobody, contactStatus: 'NONE', cases: [] },
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();

    const caseRef = await run(
      /* GraphQL */ `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Case { id person { id } } } }`,
      { representations: [{ __typename: 'Case', id: caseInput.id }, { __typename: 'Case', id: 'junk' }] },
    );
    expect(caseRef.data?._entities).toEqual([{ id: caseInput.id, person: { id: caseInput.personId } }, null]);
  });

  itWithPostgres('lists the contact rules', async () => {
    const result = await run(/* GraphQL */ `query { contactRules { name minOverlapMinutes infectiousDaysBeforeOnset maxStayMinutes traceF2 f1TestDays f2TestDays caseOpenDays } }`);
    expect(result.data?.contactRules).toContainEqual({ ...DEFAULT_CONTACT_RULE });
  });
});
