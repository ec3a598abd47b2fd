import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { hashNationalId, normaliseNationalId, normalisePhone } from '../../subgraphs/declarations/identifiers.ts';
import { createLoaders } from '../../subgraphs/declarations/loaders.ts';
import { HealthDeclarationsRepository, PeopleRepository, type NewPerson } from '../../subgraphs/declarations/repositories/index.ts';
import { DEMO_DECLARATION_IDS, seedDeclarationsDemo } from '../../subgraphs/declarations/seed.ts';
import { declarationsModule } from '../../subgraphs/declarations/server.ts';
import { checkDeclaration, checkPerson, vietnamYear } from '../../subgraphs/declarations/validation.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

const KEY = 'k'.repeat(40);
const config = { nationalIdKey: KEY, logger: createLogger('test', 'silent') };
const DAY = 24 * 60 * 60_000;

describe('declarations identifiers', () => {
  it('normalises phone numbers: separators dropped, +84 → 0, ten digits starting with 0 only', () => {
    expect(normalisePhone('0901 000 001')).toBe('0901000001');
    expect(normalisePhone('+84 901.000-001')).toBe('0901000001');
    expect(normalisePhone('0084901000001')).toBe('0901000001');
    expect(normalisePhone('090100000')).toBeNull(); // nine digits
    expect(normalisePhone('09010000011')).toBeNull(); // eleven digits
    expect(normalisePhone('1901000001')).toBeNull(); // no leading 0
    expect(normalisePhone('09010000O1')).toBeNull(); // letter O
    expect(normalisePhone('')).toBeNull();
  });

  it('accepts 12-digit citizen IDs and 9-digit old ID cards, nothing else', () => {
    expect(normaliseNationalId('079 085 000 001')).toBe('079085000001');
    expect(normaliseNationalId('025.123.456')).toBe('025123456');
    for (const bad of ['', '12345', '0790850000011', '07908500000', '07908500000A', '1234567890']) {
      expect(normaliseNationalId(bad), bad).toBeNull();
    }
  });

  it('hashes national IDs with the key: stable, keyed, and not the number', () => {
    const hash = hashNationalId(KEY, '079085000001');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashNationalId(KEY, '079085000001')).toBe(hash);
    expect(hashNationalId('z'.repeat(40), '079085000001')).not.toBe(hash);
    expect(hash).not.toContain('079085000001');
  });

  it('checks registrations field by field', () => {
    const now = new Date('2025-06-15T00:00:00Z');
    const good = { fullName: '  Nguyễn   Văn An ', birthYear: 1985, phone: '0901000001', nationalId: '', residenceWardCode: '26740', residenceProvinceCode: '79' };
    expect(checkPerson(good, now)).toEqual({
      ok: true,
      value: { fullName: 'Nguyễn Văn An', birthYear: 1985, phone: '0901000001', nationalId: null, residenceWardCode: '26740', residenceProvinceCode: '79' },
    });
    const fieldOf = (patch: Partial<typeof good>) => {
      const result = checkPerson({ ...good, ...patch }, now);
      return result.ok ? null : result.field;
    };
    expect(fieldOf({ fullName: '   ' })).toBe('fullName');
    expect(fieldOf({ fullName: 'x'.repeat(201) })).toBe('fullName');
    expect(fieldOf({ fullName: 'ễ'.repeat(200) })).toBeNull();
    expect(fieldOf({ birthYear: 1899 })).toBe('birthYear');
    expect(fieldOf({ birthYear: 2026 })).toBe('birthYear');
    expect(fieldOf({ phone: '12345' })).toBe('phone');
    expect(fieldOf({ nationalId: '12345' })).toBe('nationalId');
    expect(fieldOf({ residenceWardCode: '2674' })).toBe('residenceWardCode');
    expect(fieldOf({ residenceProvinceCode: '7' })).toBe('residenceProvinceCode');
  });

  it('counts the current year in Vietnam time (UTC+7)', () => {
    expect(vietnamYear(new Date('2025-12-31T16:59:59Z'))).toBe(2025);
    expect(vietnamYear(new Date('2025-12-31T17:00:00Z'))).toBe(2026);
  });

  it('checks declarations: symptoms deduplicated, time neither in the future nor older than 30 days', () => {
    const now = new Date('2025-06-15T12:00:00Z');
    const base = { personId: randomUUID(), kind: 'SYMPTOMS' as const, symptoms: ['COUGH', 'FEVER', 'COUGH'] as const };
    const ok = checkDeclaration({ ...base, travel: '  ' }, now);
    expect(ok).toEqual({ ok: true, value: { kind: 'SYMPTOMS', symptoms: ['FEVER', 'COUGH'], travel: null, exposureNote: null, declaredAt: now } });
    const fieldOf = (patch: object) => {
      const result = checkDeclaration({ ...base, ...patch }, now);
      return result.ok ? null : result.field;
    };
    expect(fieldOf({ declaredAt: new Date(now.getTime() + 60_000) })).toBeNull(); // within clock skew
    expect(fieldOf({ declaredAt: new Date(now.getTime() + 10 * 60_000) })).toBe('declaredAt');
    expect(fieldOf({ declaredAt: new Date(now.getTime() - 29 * DAY) })).toBeNull();
    expect(fieldOf({ declaredAt: new Date(now.getTime() - 31 * DAY) })).toBe('declaredAt');
    expect(fieldOf({ symptoms: [] })).toBe('symptoms');
    expect(fieldOf({ kind: 'ROUTINE', symptoms: [] })).toBeNull();
    expect(fieldOf({ travel: 'x'.repeat(2001) })).toBe('travel');
    expect(fieldOf({ exposureNote: 'x'.repeat(2001) })).toBe('exposureNote');
  });
});

describe('declarations repository', () => {
  let database: TestDatabase<typeof declarationsModule.tables>;
  let people: PeopleRepository;
  let declarations: HealthDeclarationsRepository;

  const newPerson = (patch: Partial<NewPerson> = {}): NewPerson => ({
    fullName: 'Đỗ Thị Mai',
    birthYear: 1992,
    phone: '0903111222',
    nationalIdHash: null,
    residenceWardCode: '26743',
    residenceProvinceCode: '79',
    ...patch,
  });
  const countDeclarations = async (personId: string) => {
    const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from health_declarations where person_id = ${personId}`;
    return row?.n ?? -1;
  };

  beforeAll(async () => {
    database = await createTestDatabase(declarationsModule);
    people = new PeopleRepository(database.db);
    declarations = new HealthDeclarationsRepository(database.db);
  });
  afterAll(() => database?.drop());

  itWithPostgres('seeds the demo people and declarations idempotently, storing only hashes of national IDs', async () => {
    const now = new Date();
    await seedDeclarationsDemo(database.db, config, now);
    await seedDeclarationsDemo(database.db, config, now);
    const [counts] = await database.sql<{ people: number; declarations: number }[]>`
      select (select count(*)::int from people where id = any(${Object.values(DEMO_PEOPLE).map((p) => p.id)})) as people,
             (select count(*)::int from health_declarations where id = any(${Object.values(DEMO_DECLARATION_IDS)})) as declarations`;
    expect(counts).toEqual({ people: 6, declarations: 2 });

    const [an] = await database.sql<{ national_id_hash: string }[]>`select national_id_hash from people where id = ${DEMO_PEOPLE.an.id}`;
    expect(an?.national_id_hash).toBe(hashNationalId(KEY, DEMO_PEOPLE.an.nationalId));
    // No column anywhere holds a national ID number in clear.
    const [leak] = await database.sql<{ n: number }[]>`select count(*)::int as n from people p where row_to_json(p)::text like ${`%${DEMO_PEOPLE.an.nationalId}%`}`;
    expect(leak?.n).toBe(0);

    const [anDeclaration, binhDeclaration] = await declarations.byPersonIds([DEMO_PEOPLE.an.id, DEMO_PEOPLE.binh.id]);
    expect(anDeclaration).toMatchObject({ id: DEMO_DECLARATION_IDS.anSymptoms, kind: 'SYMPTOMS', symptoms: ['FEVER', 'COUGH'] });
    expect(anDeclaration?.declaredAt.getTime()).toBe(now.getTime() - DAY);
    expect(binhDeclaration).toMatchObject({ id: DEMO_DECLARATION_IDS.binhTravel, kind: 'DOMESTIC_TRAVEL', travel: 'Đà Lạt', symptoms: [] });
    expect(binhDeclaration?.declaredAt.getTime()).toBe(now.getTime() - 2 * DAY);
  });

  itWithPostgres('registers once per national ID and answers a retried client id with the same person', async () => {
    const hash = hashNationalId(KEY, '001200000123');
    const id = randomUUID();
    const first = await people.register(newPerson({ id, nationalIdHash: hash }));
    expect(first).toMatchObject({ status: 'registered', person: { id, fullName: 'Đỗ Thị Mai' } });
    expect(first.person).not.toHaveProperty('nationalIdHash');

    const retried = await people.register(newPerson({ id, nationalIdHash: hash }));
    expect(retried).toEqual({ status: 'retried', person: first.person });

    const other = await people.register(newPerson({ id: randomUUID(), fullName: 'Someone else', nationalIdHash: hash }));
    expect(other).toEqual({ status: 'national-id-taken', person: first.person });

    const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from people where national_id_hash = ${hash}`;
    expect(row?.n).toBe(1);
    expect(await people.byNationalIdHash(hash)).toEqual(first.person);
  });

  itWithPostgres('concurrent registrations with one national ID make one row', async () => {
    const hash = hashNationalId(KEY, '001200000999');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => people.register(newPerson({ nationalIdHash: hash }))));
    expect(outcomes.filter((o) => o.status === 'registered')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'national-id-taken')).toHaveLength(4);
    expect(new Set(outcomes.map((o) => o.person.id)).size).toBe(1);
  });

  itWithPostgres('finds the first-registered person of a shared phone', async () => {
    const phone = '0977000111';
    const parent = await people.register(newPerson({ phone, fullName: 'Parent' }));
    await people.register(newPerson({ phone, fullName: 'Child' }));
    expect((await people.byPhone(phone))?.id).toBe(parent.person.id);
    expect(await people.byPhone('0977000999')).toBeNull();
  });

  itWithPostgres('writes nothing for an unknown person, and never duplicates a retried declaration', async () => {
    const unknown = randomUUID();
    const declaration = { kind: 'ROUTINE' as const, symptoms: [], travel: null, exposureNote: null, declaredAt: new Date() };
    expect(await declarations.submit({ ...declaration, personId: unknown })).toEqual({ status: 'person-not-found' });
    expect(await countDeclarations(unknown)).toBe(0);

    const { person } = await people.register(newPerson());
    const id = randomUUID();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => declarations.submit({ ...declaration, id, personId: person.id })));
    expect(outcomes.filter((o) => o.status === 'submitted')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'retried')).toHaveLength(4);
    expect(await countDeclarations(person.id)).toBe(1);

    // The same client id for another person's declaration is refused, not silently mixed up.
    const { person: other } = await people.register(newPerson());
    expect(await declarations.submit({ ...declaration, id, personId: other.id })).toEqual({ status: 'id-taken' });
    expect(await countDeclarations(other.id)).toBe(0);
  });

  itWithPostgres('batches look-ups: one result per key in key order, declarations newest first', async () => {
    const { person } = await people.register(newPerson());
    const now = Date.now();
    const base = { personId: person.id, kind: 'ROUTINE' as const, symptoms: [], travel: null, exposureNote: null };
    await declarations.submit({ ...base, declaredAt: new Date(now - 3 * DAY) });
    await declarations.submit({ ...base, declaredAt: new Date(now - 1 * DAY), symptoms: ['FATIGUE'] });
    await declarations.submit({ ...base, declaredAt: new Date(now - 2 * DAY) });

    const loaders = createLoaders(people, declarations);
    const found = await Promise.all([person.id, randomUUID(), 'not-a-uuid', DEMO_PEOPLE.chau.id].map((id) => loaders.person.load(id)));
    expect(found.map((p) => p?.fullName ?? null)).toEqual(['Đỗ Thị Mai', null, null, 'Lê Minh Châu']);

    const [mine, none] = await Promise.all([loaders.declarationsOfPerson.load(person.id), loaders.declarationsOfPerson.load(randomUUID())]);
    expect(mine?.map((d) => Math.round((now - d.declaredAt.getTime()) / DAY))).toEqual([1, 2, 3]);
    expect(none).toEqual([]);
  });

  itWithPostgres('reads people with their declarations in one statement, as the two look-ups give them', async () => {
    const { person } = await people.register(newPerson({ phone: '0903111333' }));
    const now = Date.now();
    const base = { personId: person.id, kind: 'ROUTINE' as const, travel: null, exposureNote: null };
    await declarations.submit({ ...base, declaredAt: new Date(now - 2 * DAY + 123), symptoms: ['FATIGUE', 'COUGH'], travel: 'Hà Nội', exposureNote: 'chợ "Bến Thành"' });
    await declarations.submit({ ...base, declaredAt: new Date(now - 1 * DAY), symptoms: [] });
    await declarations.submit({ ...base, declaredAt: new Date(now - 1 * DAY), symptoms: [], kind: 'ENTRY' });
    const ids = [person.id, DEMO_PEOPLE.chau.id, randomUUID(), 'not-a-uuid'];

    const together = await people.byIdsWithDeclarations(ids);
    const persons = await people.byIds(ids);
    const lists = await declarations.byPersonIds(ids);
    expect(together).toEqual(persons.map((p) => ({ ...p, declarations: lists.filter((d) => d.personId === p.id) })));
    expect(together.find((p) => p.id === person.id)?.declarations).toHaveLength(3);

    // Through the loaders: the person and their declarations are then known to the request without another statement.
    const loaders = createLoaders(people, declarations);
    const separate = [vi.spyOn(people, 'byIds'), vi.spyOn(declarations, 'byPersonIds')];
    const row = await loaders.personWithDeclarations.load(person.id);
    const [again, mine] = await Promise.all([loaders.person.load(person.id), loaders.declarationsOfPerson.load(person.id)]);
    expect(separate.map((spy) => spy.mock.calls.length)).toEqual([0, 0]);
    separate.forEach((spy) => spy.mockRestore());
    expect(row).toEqual(persons.find((p) => p.id === person.id));
    expect(again).toBe(row);
    expect(mine).toEqual(lists.filter((d) => d.personId === person.id));
  });
});
