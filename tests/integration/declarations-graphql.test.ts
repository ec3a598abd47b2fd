import { randomUUID } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import { afterAll, afterEach, beforeAll, describe, expect, vi } from 'vitest';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { HealthDeclarationsRepository, PeopleRepository } from '../../subgraphs/declarations/repositories/index.ts';
import { seedDeclarationsDemo } from '../../subgraphs/declarations/seed.ts';
import { declarationsModule } from '../../subgraphs/declarations/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

const config = { nationalIdKey: 'n'.repeat(40), logger: createLogger('test', 'silent') };
const identity: Identity = { subject: 'official-1', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: 'test' };
const DAY = 24 * 60 * 60_000;

interface Result {
  data?: Record<string, any> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterPersonInput!) {
    registerPerson(input: $input) {
      __typename
      ... on PersonRegistered { person { id fullName birthYear phone registeredAt residence { code } residenceProvince { code } } }
      ... on PersonAlreadyRegistered { message person { id fullName } }
      ... on InvalidPersonInput { message field }
    }
  }
`;

const SUBMIT = /* GraphQL */ `
  mutation Submit($input: SubmitDeclarationInput!) {
    submitDeclaration(input: $input) {
      __typename
      ... on DeclarationSubmitted { declaration { id kind symptoms travel exposureNote declaredAt person { id fullName } } }
      ... on DeclarationPersonNotFound { message personId }
      ... on InvalidDeclaration { message field }
    }
  }
`;

describe('declarations subgraph over GraphQL', () => {
  let database: TestDatabase<typeof declarationsModule.tables>;
  let definition: SubgraphDefinition<BaseContext>;
  let service: SubgraphService;

  async function run(query: string, variables: Record<string, unknown> = {}): Promise<Result> {
    const response = await service.executor.run({ query, variables }, definition.createContext(identity));
    return response.result as Result;
  }

  const count = async (table: 'people' | 'health_declarations') => {
    const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from ${database.sql(table)}`;
    return row?.n ?? -1;
  };

  let phoneCounter = 0;
  const personInput = (patch: Record<string, unknown> = {}) => ({
    fullName: 'Bùi Văn Nam',
    birthYear: 1980,
    phone: `09040${String(++phoneCounter).padStart(5, '0')}`,
    residenceWardCode: '00004',
    residenceProvinceCode: '01',
    ...patch,
  });

  async function registered(patch: Record<string, unknown> = {}): Promise<string> {
    const result = await run(REGISTER, { input: personInput(patch) });
    expect(result.data?.registerPerson.__typename).toBe('PersonRegistered');
    return result.data?.registerPerson.person.id as string;
  }

  beforeAll(async () => {
    database = await createTestDatabase(declarationsModule);
    await seedDeclarationsDemo(database.db, config);
    definition = declarationsModule.build(database.db, config);
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
  });
  afterAll(async () => {
    await database?.drop();
  });
  afterEach(() => vi.restoreAllMocks());

  itWithPostgres('never exposes the national ID (nor its hash) in the schema', async () => {
    const result = await run(`{ __type(name: "Person") { fields { name } } }`);
    const names = (result.data?.__type.fields as { name: string }[]).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['id', 'fullName', 'birthYear', 'phone', 'residence', 'residenceProvince', 'declarations', 'registeredAt']));
    expect(names.filter((n) => /national|hash|cccd|cmnd/i.test(n))).toEqual([]);
  });

  itWithPostgres('reads a demo person with residence stubs and declarations, newest first', async () => {
    const result = await run(
      /* GraphQL */ `query ($id: ID!) { person(id: $id) { id fullName phone residence { code } residenceProvince { code } declarations { kind symptoms person { id } } } }`,
      { id: DEMO_PEOPLE.an.id.toUpperCase() },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.person).toEqual({
      id: DEMO_PEOPLE.an.id,
      fullName: 'Nguyễn Văn An',
      phone: '0901000001',
      residence: { code: '26740' },
      residenceProvince: { code: '79' },
      declarations: [{ kind: 'SYMPTOMS', symptoms: ['FEVER', 'COUGH'], person: { id: DEMO_PEOPLE.an.id } }],
    });
  });

  itWithPostgres('person: a malformed id is BAD_USER_INPUT, an unknown one is null', async () => {
    const bad = await run(`{ person(id: "42") { id } }`);
    expect(bad.data?.person).toBeNull();
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    const unknown = await run(`query ($id: ID!) { person(id: $id) { id } }`, { id: randomUUID() });
    expect(unknown).toEqual({ data: { person: null } });
  });

  itWithPostgres('findPerson by phone (any formatting) and by national ID (hashed)', async () => {
    const byPhone = await run(`{ findPerson(phone: "+84 901.000-002") { id fullName } }`);
    expect(byPhone.data?.findPerson).toEqual({ id: DEMO_PEOPLE.binh.id, fullName: 'Trần Thị Bình' });
    const byId = await run(`query ($n: String) { findPerson(nationalId: $n) { id } }`, { n: '079 085 000 001' });
    expect(byId.data?.findPerson).toEqual({ id: DEMO_PEOPLE.an.id });
    const nobody = await run(`{ findPerson(nationalId: "999999999") { id } }`);
    expect(nobody).toEqual({ data: { findPerson: null } });
  });

  itWithPostgres('findPerson refuses both or neither argument, a bad phone and a bad national ID', async () => {
    const cases: Array<[string, string | undefined]> = [
      [`{ findPerson { id } }`, undefined],
      [`{ findPerson(phone: "0901000001", nationalId: "079085000001") { id } }`, undefined],
      [`{ findPerson(phone: "12345") { id } }`, 'phone'],
      [`{ findPerson(phone: "+1 650 555 0100") { id } }`, 'phone'],
      [`{ findPerson(nationalId: "07908500000") { id } }`, 'nationalId'],
      [`{ findPerson(nationalId: "ABC123456") { id } }`, 'nationalId'],
    ];
    for (const [query, argument] of cases) {
      const result = await run(query);
      expect(result.data?.findPerson, query).toBeNull();
      expect(result.errors?.[0]?.extensions?.code, query).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.argument, query).toBe(argument);
    }
    // The number given is personal data: it is not echoed in the error.
    const result = await run(`{ findPerson(nationalId: "07908500000") { id } }`);
    expect(result.errors?.[0]?.message).not.toContain('07908500000');
  });

  itWithPostgres('registerPerson stores a normalised person and answers retries with the same person', async () => {
    const id = randomUUID();
    const input = personInput({ id, fullName: '  Ngô Thị Lan ', phone: '+84 912 345 678', nationalId: '001 180 000 321' });
    const first = await run(REGISTER, { input });
    expect(first.errors).toBeUndefined();
    expect(first.data?.registerPerson).toMatchObject({
      __typename: 'PersonRegistered',
      person: { id, fullName: 'Ngô Thị Lan', birthYear: 1980, phone: '0912345678', residence: { code: '00004' }, residenceProvince: { code: '01' } },
    });
    expect(Date.now() - Date.parse(first.data?.registerPerson.person.registeredAt)).toBeLessThan(60_000);

    const before = await count('people');
    const retry = await run(REGISTER, { input });
    expect(retry.data?.registerPerson).toEqual(first.data?.registerPerson);
    expect(await count('people')).toBe(before);

    const found = await run(`{ findPerson(nationalId: "001180000321") { id } }`);
    expect(found.data?.findPerson).toEqual({ id });
  });

  itWithPostgres('registerPerson with a national ID already registered answers PersonAlreadyRegistered and writes nothing', async () => {
    const before = await count('people');
    const result = await run(REGISTER, { input: personInput({ nationalId: DEMO_PEOPLE.chau.nationalId }) });
    expect(result.data?.registerPerson).toMatchObject({
      __typename: 'PersonAlreadyRegistered',
      message: expect.stringContaining('already registered'),
      person: { id: DEMO_PEOPLE.chau.id, fullName: 'Lê Minh Châu' },
    });
    expect(await count('people')).toBe(before);
  });

  itWithPostgres('registerPerson names the bad field and writes nothing', async () => {
    const before = await count('people');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ phone: '0901 000' }, 'phone'],
      [{ phone: '+1 650 555 0100' }, 'phone'],
      [{ nationalId: '12345' }, 'nationalId'],
      [{ nationalId: '0790850000012' }, 'nationalId'],
      [{ fullName: '   ' }, 'fullName'],
      [{ birthYear: 1899 }, 'birthYear'],
      [{ birthYear: new Date().getUTCFullYear() + 2 }, 'birthYear'],
      [{ residenceWardCode: '267' }, 'residenceWardCode'],
      [{ residenceProvinceCode: '079' }, 'residenceProvinceCode'],
    ];
    for (const [patch, field] of cases) {
      const result = await run(REGISTER, { input: personInput(patch) });
      expect(result.data?.registerPerson, JSON.stringify(patch)).toMatchObject({ __typename: 'InvalidPersonInput', field });
      expect(result.data?.registerPerson.message).toEqual(expect.any(String));
    }
    const malformedId = await run(REGISTER, { input: personInput({ id: 'client-1' }) });
    expect(malformedId.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.id' });
    expect(await count('people')).toBe(before);
  });

  itWithPostgres('submitDeclaration records a declaration that shows on the person, newest first', async () => {
    const personId = await registered();
    const older = await run(SUBMIT, {
      input: { personId, kind: 'DOMESTIC_TRAVEL', travel: '  Hà Nội → Đà Nẵng ', declaredAt: new Date(Date.now() - 2 * DAY).toISOString() },
    });
    expect(older.data?.submitDeclaration).toMatchObject({
      __typename: 'DeclarationSubmitted',
      declaration: { kind: 'DOMESTIC_TRAVEL', symptoms: [], travel: 'Hà Nội → Đà Nẵng', exposureNote: null, person: { id: personId, fullName: 'Bùi Văn Nam' } },
    });
    const newer = await run(SUBMIT, {
      input: { personId, kind: 'SYMPTOMS', symptoms: ['SORE_THROAT', 'FEVER', 'SORE_THROAT'], exposureNote: 'Ăn cơm cùng một F0' },
    });
    expect(newer.data?.submitDeclaration.declaration).toMatchObject({ kind: 'SYMPTOMS', symptoms: ['FEVER', 'SORE_THROAT'], exposureNote: 'Ăn cơm cùng một F0' });
    expect(Date.now() - Date.parse(newer.data?.submitDeclaration.declaration.declaredAt)).toBeLessThan(60_000);

    const person = await run(`query ($id: ID!) { person(id: $id) { declarations { id kind } } }`, { id: personId });
    expect(person.data?.person.declarations).toEqual([
      { id: newer.data?.submitDeclaration.declaration.id, kind: 'SYMPTOMS' },
      { id: older.data?.submitDeclaration.declaration.id, kind: 'DOMESTIC_TRAVEL' },
    ]);
  });

  itWithPostgres('submitDeclaration with a repeated client id returns the first declaration and adds no row', async () => {
    const personId = await registered();
    const id = randomUUID();
    const input = { id, personId, kind: 'ROUTINE' };
    const first = await run(SUBMIT, { input });
    expect(first.data?.submitDeclaration).toMatchObject({ __typename: 'DeclarationSubmitted', declaration: { id } });
    const before = await count('health_declarations');
    // The retry has no declaredAt, so "now" differs: the stored declaration is still the answer.
    const retry = await run(SUBMIT, { input });
    expect(retry.data?.submitDeclaration).toEqual(first.data?.submitDeclaration);
    expect(await count('health_declarations')).toBe(before);

    const otherPerson = await registered();
    const reused = await run(SUBMIT, { input: { ...input, personId: otherPerson } });
    expect(reused.data?.submitDeclaration).toMatchObject({ __typename: 'InvalidDeclaration', field: 'id' });
    expect(await count('health_declarations')).toBe(before);
  });

  itWithPostgres('submitDeclaration for an unknown person answers DeclarationPersonNotFound and writes nothing', async () => {
    const before = await count('health_declarations');
    const personId = randomUUID();
    const result = await run(SUBMIT, { input: { personId, kind: 'ROUTINE' } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.submitDeclaration).toEqual({
      __typename: 'DeclarationPersonNotFound',
      message: expect.stringContaining('No person'),
      personId,
    });
    expect(await count('health_declarations')).toBe(before);
  });

  itWithPostgres('submitDeclaration refuses a future or stale time and a SYMPTOMS declaration without symptoms, writing nothing', async () => {
    const personId = await registered();
    const before = await count('health_declarations');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ declaredAt: new Date(Date.now() + 60 * 60_000).toISOString() }, 'declaredAt'],
      [{ declaredAt: new Date(Date.now() - 31 * DAY).toISOString() }, 'declaredAt'],
      [{ kind: 'SYMPTOMS', symptoms: [] }, 'symptoms'],
      [{ travel: 'x'.repeat(2001) }, 'travel'],
    ];
    for (const [patch, field] of cases) {
      const result = await run(SUBMIT, { input: { personId, kind: 'ENTRY', ...patch } });
      expect(result.data?.submitDeclaration, JSON.stringify(patch).slice(0, 80)).toMatchObject({ __typename: 'InvalidDeclaration', field });
    }
    expect(await count('health_declarations')).toBe(before);
  });

  itWithPostgres('submitDeclaration: a malformed person id, client id or time is BAD_USER_INPUT', async () => {
    const before = await count('health_declarations');
    const personId = await registered();
    const badPerson = await run(SUBMIT, { input: { personId: 'person-1', kind: 'ROUTINE' } });
    expect(badPerson.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.personId' });
    const badId = await run(SUBMIT, { input: { id: '1234', personId, kind: 'ROUTINE' } });
    expect(badId.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.id' });
    const badTime = await run(SUBMIT, { input: { personId, kind: 'ROUTINE', declaredAt: '2025-07-01 08:30' } });
    expect(badTime.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count('health_declarations')).toBe(before);
  });

  itWithPostgres('resolves Person references in one query per entity type, whatever the number of people', async () => {
    const withDeclarations = vi.spyOn(PeopleRepository.prototype, 'byIdsWithDeclarations');
    const byIds = vi.spyOn(PeopleRepository.prototype, 'byIds');
    const byPersonIds = vi.spyOn(HealthDeclarationsRepository.prototype, 'byPersonIds');
    const ids = [DEMO_PEOPLE.an.id, DEMO_PEOPLE.binh.id, DEMO_PEOPLE.chau.id, randomUUID(), 'not-a-uuid'];
    const result = await run(
      /* GraphQL */ `query ($reps: [_Any!]!) {
        _entities(representations: $reps) { ... on Person { id fullName declarations { kind travel person { fullName } } } }
      }`,
      { reps: ids.map((id) => ({ __typename: 'Person', id })) },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { id: DEMO_PEOPLE.an.id, fullName: 'Nguyễn Văn An', declarations: [{ kind: 'SYMPTOMS', travel: null, person: { fullName: 'Nguyễn Văn An' } }] },
      { id: DEMO_PEOPLE.binh.id, fullName: 'Trần Thị Bình', declarations: [{ kind: 'DOMESTIC_TRAVEL', travel: 'Đà Lạt', person: { fullName: 'Trần Thị Bình' } }] },
      { id: DEMO_PEOPLE.chau.id, fullName: 'Lê Minh Châu', declarations: [] },
      null,
      null,
    ]);
    // People and their declarations in one statement; each declaration's person is the row already read.
    expect(withDeclarations).toHaveBeenCalledTimes(1);
    expect(byIds).toHaveBeenCalledTimes(0);
    expect(byPersonIds).toHaveBeenCalledTimes(0);
    await run(/* GraphQL */ `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { fullName } } }`, { reps: ids.map((id) => ({ __typename: 'Person', id })) });
    expect([withDeclarations.mock.calls.length, byIds.mock.calls.length]).toEqual([1, 1]);
  });
});
