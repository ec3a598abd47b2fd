import { randomUUID } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { createRepositories, type ContactInput, type TracingRepositories } from '../../subgraphs/tracing/repositories/index.ts';
import { DEFAULT_CONTACT_RULE } from '../../subgraphs/tracing/rules.ts';
import { tracingModule } from '../../subgraphs/tracing/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { codes, executeAs, type Result } from '../support/subgraph.ts';

const config = { nationalIdKey: 'n'.repeat(40), logger: createLogger('test', 'silent') };
const HOUR = 60 * 60_000;

const NATIONAL: Identity = { subject: 'national', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: null };
const official = (...provinces: string[]): Identity => ({ subject: `official-${provinces.join('-')}`, role: 'province_official', jurisdiction: provinces, scopes: [], purpose: null });
/** Each error's path and code, in path order (errors come in the order their fields settled). */
const refusals = (result: Result) =>
  (result.errors ?? []).map((e) => [e.path, e.extensions?.code] as const).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

/**
 * The tracing subgraph's jurisdiction rules as SQL (repositories/visibility.ts) and as single
 * reads (reader.ts), over GraphQL, with two cases:
 * - case H, confirmed in 79: contacts living in 79 (F1), 01 (F1), 24 (F2) and one not placed (F1);
 * - case K, confirmed in 01: one contact living in 01 (F1), who is also H's 01 contact.
 */
describe('tracing subgraph: who sees which cases and contacts', () => {
  let database: TestDatabase<typeof tracingModule.tables>;
  let definition: SubgraphDefinition<BaseContext>;
  let service: SubgraphService;
  let repos: TracingRepositories;
  const H = { id: randomUUID(), personId: randomUUID() };
  const K = { id: randomUUID(), personId: randomUUID() };
  const people = { in79: randomUUID(), in01: randomUUID(), in24: randomUUID(), unplaced: randomUUID() };

  const run = (identity: Identity, query: string, variables: Record<string, unknown> = {}) => executeAs(service, definition, identity, query, variables);
  const contact = (personId: string, degree: 'F1' | 'F2', via: string | null = null): ContactInput => ({
    personId,
    degree,
    viaPersonId: via,
    venueId: randomUUID(),
    overlapStart: new Date('2025-07-07T03:00:00Z'),
    overlapEnd: new Date('2025-07-07T04:00:00Z'),
    overlapMinutes: 60,
  });
  const contactIdOf = async (caseId: string, personId: string) =>
    (await repos.contacts.byCaseIds([caseId])).find((c) => c.personId === personId)!.id;

  beforeAll(async () => {
    database = await createTestDatabase(tracingModule, 'tracingaccess');
    repos = createRepositories(database.db);
    definition = tracingModule.build(database.db, config);
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });

    const confirmedAt = new Date(Date.now() - HOUR);
    await repos.cases.confirm({ ...H, provinceCode: '79', confirmedAt, onsetAt: null, ruleName: DEFAULT_CONTACT_RULE.name });
    await repos.cases.confirm({ ...K, provinceCode: '01', confirmedAt: new Date(confirmedAt.getTime() - HOUR), onsetAt: null, ruleName: DEFAULT_CONTACT_RULE.name });
    await repos.contacts.upsertContacts(H.id, [
      contact(people.in79, 'F1'),
      contact(people.in01, 'F1'),
      contact(people.unplaced, 'F1'),
      contact(people.in24, 'F2', people.in01),
    ]);
    await repos.contacts.upsertContacts(K.id, [contact(people.in01, 'F1')]);
    // What the tracing run does once it has placed the contacts (people(ids) → residence province).
    const homes = async (caseId: string, byPerson: Record<string, string>) =>
      repos.contacts.recordHomeProvinces(
        caseId,
        await Promise.all(Object.entries(byPerson).map(async ([personId, provinceCode]) => ({ contactId: await contactIdOf(caseId, personId), provinceCode }))),
      );
    expect(await homes(H.id, { [people.in79]: '79', [people.in01]: '01', [people.in24]: '24' })).toBe(3);
    expect(await homes(K.id, { [people.in01]: '01' })).toBe(1);
  });
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  itWithPostgres('stores home provinces idempotently and never writes a contact twice', async () => {
    const before = await database.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
    const again = [{ contactId: await contactIdOf(H.id, people.in01), provinceCode: '01' }];
    expect(await repos.contacts.recordHomeProvinces(H.id, again)).toBe(0); // a re-run changes nothing
    // A contact id of another case is not touched through this case.
    expect(await repos.contacts.recordHomeProvinces(K.id, [{ contactId: await contactIdOf(H.id, people.in24), provinceCode: '31' }])).toBe(0);
    await repos.contacts.upsertContacts(H.id, [contact(people.in01, 'F1'), contact(people.in24, 'F2', people.in01)]);
    expect(await database.sql<{ n: number }[]>`select count(*)::int as n from contacts`).toEqual(before);
    const rows = await database.sql<{ person_id: string; home_province_code: string | null }[]>`
      select person_id, home_province_code from contacts where case_id = ${H.id} order by person_id`;
    expect(Object.fromEntries(rows.map((r) => [r.person_id, r.home_province_code]))).toEqual({
      [people.in79]: '79',
      [people.in01]: '01',
      [people.in24]: '24',
      [people.unplaced]: null,
    });
  });

  itWithPostgres('lists: cases(), Case.contacts and Person.cases hold only what the caller may see', async () => {
    const LIST = /* GraphQL */ `
      query($people: [_Any!]!) {
        cases(limit: 1000) { id contacts { person { id } } }
        _entities(representations: $people) { ... on Person { id cases { id } } }
      }`;
    const representations = [H.personId, K.personId].map((id) => ({ __typename: 'Person', id }));
    const view = async (identity: Identity) => {
      const result = await run(identity, LIST, { people: representations });
      expect(result.errors, identity.subject).toBeUndefined();
      const cases = Object.fromEntries(
        (result.data!.cases as Array<{ id: string; contacts: Array<{ person: { id: string } }> }>)
          .filter((c) => c.id === H.id || c.id === K.id)
          .map((c) => [c.id === H.id ? 'H' : 'K', c.contacts.map((k) => k.person.id).sort()]),
      );
      const ofPerson = (result.data!._entities as Array<{ cases: Array<{ id: string }> }>).map((p) => p.cases.map((c) => (c.id === H.id ? 'H' : 'K')));
      return { cases, ofPerson };
    };
    const sorted = (...ids: string[]) => ids.sort();

    expect(await view(NATIONAL)).toEqual({
      cases: { H: sorted(people.in79, people.in01, people.in24, people.unplaced), K: [people.in01] },
      ofPerson: [['H'], ['K']],
    });
    // 79 confirmed H: all of H's contacts, placed or not; K has nothing in 79.
    expect(await view(official('79'))).toEqual({ cases: { H: sorted(people.in79, people.in01, people.in24, people.unplaced) }, ofPerson: [['H'], []] });
    // 01 confirmed K and is home to one of H's contacts: K whole, H with only that contact.
    expect(await view(official('01'))).toEqual({ cases: { H: [people.in01], K: [people.in01] }, ofPerson: [['H'], ['K']] });
    expect(await view(official('24'))).toEqual({ cases: { H: [people.in24] }, ofPerson: [['H'], []] });
    expect(await view(official('31'))).toEqual({ cases: {}, ofPerson: [[], []] });
    expect(await view(official('24', '01'))).toEqual({ cases: { H: sorted(people.in01, people.in24), K: [people.in01] }, ofPerson: [['H'], ['K']] });
    // A citizen: their own case, none of its contacts; a partner: nothing.
    const citizen: Identity = { subject: H.personId.toUpperCase(), role: 'citizen', jurisdiction: [], scopes: ['cases:read'], purpose: null };
    expect(await view(citizen)).toEqual({ cases: { H: [] }, ofPerson: [['H'], []] });
    expect(await view({ ...citizen, subject: 'not-a-person-id' })).toEqual({ cases: {}, ofPerson: [[], []] });
    expect(await view({ subject: 'partner-acme', role: 'partner', jurisdiction: [], scopes: ['cases:read'], purpose: null })).toEqual({ cases: {}, ofPerson: [[], []] });
  });

  itWithPostgres('single reads of what exists but is not visible: null with FORBIDDEN (case, contact, Contact.case, references)', async () => {
    const unplacedId = await contactIdOf(H.id, people.unplaced);
    const in01Id = await contactIdOf(H.id, people.in01);
    const READ = /* GraphQL */ `
      query($case: ID!, $contact: ID!) {
        case(id: $case) { id run { case { id } } }
        contact(id: $contact) { id case { id } }
      }`;
    const as24 = await run(official('24'), READ, { case: K.id, contact: unplacedId });
    expect(as24.data).toEqual({ case: null, contact: null });
    expect(refusals(as24)).toEqual([
      [['case'], 'FORBIDDEN'],
      [['contact'], 'FORBIDDEN'],
    ]);
    for (const e of as24.errors ?? []) expect(e.message).not.toMatch(/01|79|[0-9a-f]{8}-/);

    // 01 reads H's 01 contact and, through it, H itself (and the run through the case).
    const as01 = await run(official('01'), READ, { case: H.id, contact: in01Id });
    expect(as01.errors).toBeUndefined();
    expect(as01.data).toEqual({ case: { id: H.id, run: { case: { id: H.id } } }, contact: { id: in01Id, case: { id: H.id } } });
    // Not H's unplaced contact, though: neither its case's province nor its (unknown) home is 01.
    const unplaced = await run(official('01'), READ, { case: K.id, contact: unplacedId });
    expect(unplaced.data).toEqual({ case: { id: K.id, run: { case: { id: K.id } } }, contact: null });
    expect(codes(unplaced)).toEqual(['FORBIDDEN']);

    // _entities: the same rule, per representation; unknown and malformed ids are plain nulls.
    const ENTITIES = /* GraphQL */ `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { id } ... on Contact { id } } }`;
    const r = [
      { __typename: 'Case', id: H.id },
      { __typename: 'Case', id: K.id },
      { __typename: 'Contact', id: in01Id },
      { __typename: 'Contact', id: unplacedId },
      { __typename: 'Case', id: randomUUID() },
      { __typename: 'Case', id: 'junk' },
    ];
    const entities = await run(official('24'), ENTITIES, { r });
    expect(entities.data?._entities).toEqual([{ id: H.id }, null, null, null, null, null]);
    expect(refusals(entities)).toEqual([
      [['_entities', 1], 'FORBIDDEN'],
      [['_entities', 2], 'FORBIDDEN'],
      [['_entities', 3], 'FORBIDDEN'],
    ]);
    const national = await run(NATIONAL, ENTITIES, { r });
    expect(national.errors).toBeUndefined();
    expect(national.data?._entities).toEqual([{ id: H.id }, { id: K.id }, { id: in01Id }, { id: unplacedId }, null, null]);
  });

  itWithPostgres('Person.contactStatus counts only the cases and contacts the caller may see', async () => {
    const STATUS = /* GraphQL */ `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { contactStatus } } }`;
    const subjects = [H.personId, people.in01, people.in24, people.unplaced];
    const status = async (identity: Identity) => {
      const result = await run(identity, STATUS, { r: subjects.map((id) => ({ __typename: 'Person', id })) });
      expect(result.errors).toBeUndefined();
      return (result.data!._entities as Array<{ contactStatus: string }>).map((p) => p.contactStatus);
    };
    expect(await status(NATIONAL)).toEqual(['F0', 'F1', 'F2', 'F1']);
    expect(await status(official('79'))).toEqual(['F0', 'F1', 'F2', 'F1']);
    // 24 sees H (its F2 lives there), but not H's contacts living elsewhere.
    expect(await status(official('24'))).toEqual(['F0', 'NONE', 'F2', 'NONE']);
    expect(await status(official('01'))).toEqual(['F0', 'F1', 'NONE', 'NONE']);
    expect(await status(official('31'))).toEqual(['NONE', 'NONE', 'NONE', 'NONE']);
    const citizen: Identity = { subject: H.personId, role: 'citizen', jurisdiction: [], scopes: [], purpose: null };
    expect(await status(citizen)).toEqual(['F0', 'NONE', 'NONE', 'NONE']);
  });

  itWithPostgres('confirmCase: a province official only for their own provinces; FORBIDDEN otherwise, nothing stored', async () => {
    const CONFIRM = /* GraphQL */ `
      mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { __typename ... on CaseConfirmed { created case { id province { code } } } } }`;
    const count = async () => (await database.sql<{ n: number }[]>`select count(*)::int as n from cases`)[0]!.n;
    const input = (province: string, id = randomUUID(), personId = randomUUID()) => ({ id, personId, province, confirmedAt: new Date(Date.now() - HOUR).toISOString() });

    const before = await count();
    const refused = await run(official('79'), CONFIRM, { input: input('01') });
    expect(refused.data?.confirmCase ?? null).toBeNull();
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(await count()).toBe(before);

    const own = input('79');
    const accepted = await run(official('79', '24'), CONFIRM, { input: own });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data?.confirmCase).toEqual({ __typename: 'CaseConfirmed', created: true, case: { id: own.id, province: { code: '79' } } });
    expect(await count()).toBe(before + 1);
    expect((await run(NATIONAL, CONFIRM, { input: input('01') })).data?.confirmCase.__typename).toBe('CaseConfirmed');

    // A repeat of K's id and person "for 79" would answer with K (confirmed in 01): not to an official of 79.
    const repeat = await run(official('79'), CONFIRM, { input: input('79', K.id, K.personId) });
    expect(repeat.data?.confirmCase ?? null).toBeNull();
    expect(codes(repeat)).toEqual(['FORBIDDEN']);
    // A malformed province is still a typing error, named as such.
    expect((await run(official('79'), CONFIRM, { input: input('7') })).data?.confirmCase.__typename).toBe('InvalidCase');
  });
});
