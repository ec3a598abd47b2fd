import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEMO_CASE, DEMO_PEOPLE, DEMO_VENUES } from '../../subgraphs/shared/demo.ts';
import { INTERNAL_TOKEN_HEADER, signInternalToken, type Identity } from '../../subgraphs/shared/identity.ts';
import { startTestHub, TEST_SECRETS, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import type { AuditRow } from '../support/subgraph.ts';

const { an: AN, binh: BINH, chau: CHAU, dung: DUNG } = DEMO_PEOPLE;
const { benThanhMarket: BEN_THANH, hoanKiemRestaurant: HO_GUOM } = DEMO_VENUES;
/** The home province of a demo person. */
const homeOf = (id: string) => Object.values(DEMO_PEOPLE).find((p) => p.id === id)!.provinceCode;

// Partners run registered operations only (gateway/trusted-documents.ts): this file registers its own.
const PARTNER_PERSON = /* GraphQL */ `query PartnerPerson($id: ID!) { person(id: $id) { id fullName birthYear phone residence { code } residenceProvince { code name } declarations { kind } registeredAt } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
function trustedDocumentsFor(clients: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'trust-documents-'));
  const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(PARTNER_PERSON), name: 'PartnerPerson', type: 'query', body: PARTNER_PERSON }] };
  for (const client of clients) writeFileSync(join(dir, `${client}.json`), JSON.stringify(manifest));
  return dir;
}

const codes = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) => (errors ?? []).map((e) => e.extensions?.code);

/**
 * Jurisdiction, masking, break-the-glass and audit of personal data (the declarations subgraph)
 * and of health status (the tracing subgraph) and movements (the checkins subgraph), through the
 * gateway, as each kind of caller.
 */
describe('trust: who reads whose personal data, and the audit of it', () => {
  let hub: TestHub;
  let sql: postgres.Sql;
  let official79: string;
  let subjectSeq = 0;

  /** Each test reads as its own official, so its audit records are its own. */
  const caller = async (input: Parameters<TestHub['token']>[0]) => {
    const subject = `${input?.role ?? 'national_official'}-${++subjectSeq}`;
    return { subject, token: await hub.token({ subject, ...input }) };
  };
  const auditOf = (subject: string) => sql<AuditRow[]>`select * from audit_records where subject = ${subject} order by id`;

  beforeAll(async () => {
    hub = await startTestHub({ trustedDocumentsDir: trustedDocumentsFor(['partner-people', 'partner-checkins']) });
    sql = hub.hub.subgraphs.find((s) => s.name === 'declarations' && !s.provinceCode)!.database.sql;
    official79 = await hub.token({ subject: 'official-79', role: 'province_official', provinces: ['79'] });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('a province-79 official reading a person of province 01: null, FORBIDDEN, audited as DENIED', async () => {
    const { subject, token } = await caller({ role: 'province_official', provinces: ['79'], purpose: 'case-follow-up' });
    const response = await hub.query(`query ReadChau($id: ID!) { person(id: $id) { fullName phone } }`, { id: CHAU.id }, { token });
    expect(response.data.person).toBeNull();
    expect(codes(response.errors)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(response)).not.toContain(CHAU.fullName);
    expect(await auditOf(subject)).toEqual([
      expect.objectContaining({
        role: 'province_official',
        jurisdiction: ['79'],
        person_id: CHAU.id,
        fields: ['fullName', 'phone'],
        operation_name: 'ReadChau',
        purpose: 'case-follow-up',
        outcome: 'DENIED',
      }),
    ]);
    // The same official reads their own province's people.
    const own = await hub.query(`query { person(id: "${AN.id}") { fullName } }`, {}, { token });
    expect(own.data.person).toEqual({ fullName: AN.fullName });
    expect((await auditOf(subject)).map((r) => [r.person_id, r.outcome])).toEqual([
      [CHAU.id, 'DENIED'],
      [AN.id, 'ALLOWED'],
    ]);
  });

  itWithPostgres('the same through a list: people(ids) answers null with FORBIDDEN at the refused position', async () => {
    const { subject, token } = await caller({ role: 'province_official', provinces: ['79'] });
    const response = await hub.query(`query($ids: [ID!]!) { people(ids: $ids) { id fullName } }`, { ids: [AN.id, CHAU.id, randomUUID()] }, { token });
    expect(response.data.people).toEqual([{ id: AN.id, fullName: AN.fullName }, null, null]);
    expect(response.errors).toEqual([expect.objectContaining({ path: ['people', 1], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    const audit = await auditOf(subject);
    expect(audit.map((r) => [r.person_id, r.outcome]).sort()).toEqual([
      [AN.id, 'ALLOWED'],
      [CHAU.id, 'DENIED'],
    ]);
  });

  itWithPostgres('the same through a search: findPerson(phone) answers null with FORBIDDEN', async () => {
    const { subject, token } = await caller({ role: 'province_official', provinces: ['79'] });
    const response = await hub.query(`query FindByPhone { findPerson(phone: "${CHAU.phone}") { id fullName } }`, {}, { token });
    expect(response.data.findPerson).toBeNull();
    expect(codes(response.errors)).toEqual(['FORBIDDEN']);
    expect(await auditOf(subject)).toEqual([expect.objectContaining({ person_id: CHAU.id, outcome: 'DENIED', operation_name: 'FindByPhone' })]);
  });

  itWithPostgres("the same through a nested path: An's exposures show Bình (79), not Châu (01)", async () => {
    const { subject, token } = await caller({ role: 'province_official', provinces: ['79'] });
    const response = await hub.query(
      `query Exposures($id: ID!) { person(id: $id) { fullName exposures { contact { id fullName } overlapMinutes } } }`,
      { id: AN.id },
      { token },
    );
    expect(response.data.person.fullName).toBe(AN.fullName);
    expect(response.data.person.exposures).toEqual([
      { contact: { id: BINH.id, fullName: BINH.fullName }, overlapMinutes: 60 },
      { contact: { id: CHAU.id, fullName: null }, overlapMinutes: 30 },
    ]);
    expect(codes(response.errors)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(response)).not.toContain(CHAU.fullName);
    const audit = await auditOf(subject);
    expect(audit.filter((r) => r.person_id === CHAU.id)).toEqual([expect.objectContaining({ outcome: 'DENIED', fields: ['fullName'], operation_name: 'Exposures' })]);
    expect(audit.filter((r) => r.person_id === BINH.id)).toEqual([expect.objectContaining({ outcome: 'ALLOWED' })]);
  });

  itWithPostgres("the same through tracing's contacts: the demo case's contacts outside province 79 have no name", async () => {
    // The demo case's tracing run writes its contacts; wait for it (as the default national official).
    await expect
      .poll(async () => (await hub.query(`query($id: ID!) { case(id: $id) { run { status } } }`, { id: DEMO_CASE.id })).data?.case?.run?.status, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe('SUCCEEDED');
    const { subject, token } = await caller({ role: 'province_official', provinces: ['79'] });
    const response = await hub.query(`query($id: ID!) { case(id: $id) { contacts { degree person { id fullName } } } }`, { id: DEMO_CASE.id }, { token });
    const contacts: Array<{ person: { id: string; fullName: string | null } }> = response.data.case.contacts;
    const home = (id: string) => Object.values(DEMO_PEOPLE).find((p) => p.id === id)!.provinceCode;
    // Bình (79, F1) by name; Châu (01, F1), Dũng (24, F2) and any other contact outside 79 without.
    expect(contacts.map((c) => c.person.id)).toEqual(expect.arrayContaining([BINH.id, CHAU.id, DUNG.id]));
    for (const c of contacts) {
      const person = Object.values(DEMO_PEOPLE).find((p) => p.id === c.person.id)!;
      expect(c.person.fullName, person.fullName).toBe(person.provinceCode === '79' ? person.fullName : null);
    }
    const outside = contacts.filter((c) => home(c.person.id) !== '79').length;
    expect(codes(response.errors)).toEqual(Array(outside).fill('FORBIDDEN'));
    const outcomes = Object.fromEntries((await auditOf(subject)).map((r) => [r.person_id, r.outcome]));
    expect(outcomes).toEqual(Object.fromEntries(contacts.map((c) => [c.person.id, home(c.person.id) === '79' ? 'ALLOWED' : 'DENIED'])));
  });

  // ---- jurisdiction where the data is: check-ins and exposures (checkins), cases and contacts (tracing) ----

  /** Waits for the demo case's tracing run (as a national official): its contacts, with their home provinces, are then written. */
  const demoTraced = () =>
    expect
      .poll(async () => (await hub.query(`query($id: ID!) { case(id: $id) { run { status } } }`, { id: DEMO_CASE.id })).data?.case?.run?.status, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe('SUCCEEDED');

  itWithPostgres("a province-79 official sees none of a 01 person's check-ins and exposures at venues in 01; a national official does", async () => {
    // Châu (01) was at Chợ Bến Thành (79) with An, Bình and Long, and the next day at Nhà hàng Hồ Gươm (01) with Dũng.
    const MOVEMENTS = /* GraphQL */ `
      query Movements($chau: ID!, $hoGuom: ID!, $benThanh: ID!) {
        exposuresOf(personIds: [$chau]) { venue { id } contact { id } checkIn { person { id checkIns { id venue { id } } exposures { venue { id } contact { id } } } } }
        hoGuom: venue(id: $hoGuom) { name checkIns { id person { id } } }
        benThanh: venue(id: $benThanh) { checkIns { person { id } } }
      }`;
    const variables = { chau: CHAU.id, hoGuom: HO_GUOM.id, benThanh: BEN_THANH.id };
    const venuesOf = (rows: Array<{ venue: { id: string } }>) => [...new Set(rows.map((r) => r.venue.id))].sort();

    const national = await hub.query(MOVEMENTS, variables);
    expect(national.errors).toBeUndefined();
    expect(venuesOf(national.data.exposuresOf)).toEqual([BEN_THANH.id, HO_GUOM.id].sort());
    expect(national.data.exposuresOf.map((e: any) => e.contact.id)).toContain(DUNG.id);
    const chauSeenByNational = national.data.exposuresOf[0].checkIn.person;
    expect(venuesOf(chauSeenByNational.checkIns)).toEqual([BEN_THANH.id, HO_GUOM.id].sort());
    expect(venuesOf(chauSeenByNational.exposures)).toEqual([BEN_THANH.id, HO_GUOM.id].sort());
    expect(national.data.hoGuom.checkIns.map((c: any) => c.person.id).sort()).toEqual([CHAU.id, DUNG.id].sort());

    const { token } = await caller({ role: 'province_official', provinces: ['79'] });
    const official = await hub.query(MOVEMENTS, variables, { token });
    expect(official.errors).toBeUndefined();
    // Only what happened at the venue in 79: the same exposures there, nothing at Hồ Gươm.
    expect(official.data.exposuresOf.length).toBeGreaterThan(0);
    expect(venuesOf(official.data.exposuresOf)).toEqual([BEN_THANH.id]);
    expect(official.data.exposuresOf.map((e: any) => e.contact.id)).not.toContain(DUNG.id);
    expect(official.data.exposuresOf).toEqual(national.data.exposuresOf.filter((e: any) => e.venue.id === BEN_THANH.id).map((e: any) => ({ ...e, checkIn: expect.anything() })));
    for (const exposure of official.data.exposuresOf) {
      expect(exposure.checkIn.person.id).toBe(CHAU.id);
      expect(venuesOf(exposure.checkIn.person.checkIns)).toEqual([BEN_THANH.id]);
      expect(venuesOf(exposure.checkIn.person.exposures)).toEqual([BEN_THANH.id]);
    }
    // The venue itself is directory data; its visits in 01 are not the official's.
    expect(official.data.hoGuom).toEqual({ name: HO_GUOM.name, checkIns: [] });
    expect(official.data.benThanh.checkIns).toEqual(national.data.benThanh.checkIns);

    // An official of 01 sees the Hồ Gươm visits, and not those in 79.
    const of01 = await hub.query(MOVEMENTS, variables, { token: (await caller({ role: 'province_official', provinces: ['01'] })).token });
    expect(venuesOf(of01.data.exposuresOf)).toEqual([HO_GUOM.id]);
    expect(of01.data.hoGuom.checkIns).toEqual(national.data.hoGuom.checkIns);
    expect(of01.data.benThanh.checkIns).toEqual([]);
  });

  itWithPostgres('a citizen (even holding exposures:read) sees their own check-ins only, and no exposures; a partner sees none', async () => {
    const QUERY = `query($chau: ID!, $venue: ID!) { exposuresOf(personIds: [$chau]) { venue { id } } venue(id: $venue) { checkIns { person { id } } } }`;
    const citizen = await hub.token({ subject: CHAU.id, role: 'citizen', scopes: ['exposures:read'] });
    const own = await hub.query(QUERY, { chau: CHAU.id, venue: BEN_THANH.id }, { token: citizen });
    expect(own.errors).toBeUndefined();
    expect(own.data).toEqual({ exposuresOf: [], venue: { checkIns: [{ person: { id: CHAU.id } }] } });
    const national = await hub.query(QUERY, { chau: CHAU.id, venue: BEN_THANH.id });
    expect(national.data.venue.checkIns.length).toBeGreaterThan(1);
    expect(national.data.exposuresOf.length).toBeGreaterThan(0);

    // A partner never gets this far (no scope at the gateway); straight to the subgraph, it reads nothing either.
    const checkins = hub.hub.subgraphs.find((s) => s.name === 'checkins' && !s.provinceCode)!;
    const partner: Identity = { subject: 'partner-acme', role: 'partner', jurisdiction: [], scopes: ['exposures:read', 'venues:read', 'checkins:write'], purpose: null };
    const response = await fetch(checkins.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_SECRETS.internalToken, partner) },
      body: JSON.stringify({ query: QUERY, variables: { chau: CHAU.id, venue: BEN_THANH.id } }),
    });
    expect(((await response.json()) as any).data).toEqual({ exposuresOf: [], venue: { checkIns: [] } });
  });

  itWithPostgres('a province official of a province with no link to a case: case(id:) is null with FORBIDDEN, and cases leaves it out', async () => {
    await demoTraced();
    const CASES = `query($id: ID!) { case(id: $id) { id } cases(limit: 1000) { id } }`;
    const national = await hub.query(CASES, { id: DEMO_CASE.id });
    expect(national.data.case).toEqual({ id: DEMO_CASE.id });
    expect(national.data.cases).toContainEqual({ id: DEMO_CASE.id });

    // Province 31 (Hải Phòng): the case was confirmed in 79 and none of its contacts lives in 31.
    const { token } = await caller({ role: 'province_official', provinces: ['31'] });
    const response = await hub.query(CASES, { id: DEMO_CASE.id }, { token });
    expect(response.data.case).toBeNull();
    expect(response.errors).toEqual([expect.objectContaining({ path: ['case'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    expect(response.errors![0]!.message).not.toMatch(/79|0b6f3c1e|Nguyễn/);
    expect(response.data.cases).not.toContainEqual({ id: DEMO_CASE.id });

    // Its contacts by id: FORBIDDEN too. An unknown id stays a plain null.
    const contacts = (await hub.query(`query($id: ID!) { case(id: $id) { contacts { id } } }`, { id: DEMO_CASE.id })).data.case.contacts;
    expect(contacts.length).toBeGreaterThan(0);
    const contact = await hub.query(`query($id: ID!) { contact(id: $id) { id degree } }`, { id: contacts[0].id }, { token });
    expect(contact.data.contact).toBeNull();
    expect(codes(contact.errors)).toEqual(['FORBIDDEN']);
    const unknown = await hub.query(`query($id: ID!) { case(id: $id) { id } }`, { id: randomUUID() }, { token });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.case).toBeNull();
  });

  itWithPostgres("an official of a contact's home province sees the case, but only their province's contacts", async () => {
    await demoTraced();
    const CASE = `query($id: ID!) { case(id: $id) { id province { code } contacts { id degree person { id } } } cases(limit: 1000) { id } }`;
    const all: Array<{ id: string; degree: string; person: { id: string } }> = (await hub.query(CASE, { id: DEMO_CASE.id })).data.case.contacts;
    expect(all.map((c) => c.person.id)).toEqual(expect.arrayContaining([BINH.id, CHAU.id, DUNG.id]));

    for (const province of ['24', '01']) {
      const { token } = await caller({ role: 'province_official', provinces: [province] });
      const response = await hub.query(CASE, { id: DEMO_CASE.id }, { token });
      expect(response.errors, province).toBeUndefined();
      expect(response.data.case).toMatchObject({ id: DEMO_CASE.id, province: { code: '79' } });
      expect(response.data.cases).toContainEqual({ id: DEMO_CASE.id });
      const expected = all.filter((c) => homeOf(c.person.id) === province);
      expect(expected.length, province).toBeGreaterThan(0);
      expect(response.data.case.contacts, province).toEqual(expected);
    }
    // Province 24's one contact is Dũng (F2); they read his record, his status and his case, and not Châu's contact record.
    const { token } = await caller({ role: 'province_official', provinces: ['24'] });
    const dung = await hub.query(`query($id: ID!) { person(id: $id) { fullName contactStatus } }`, { id: DUNG.id }, { token });
    expect(dung.errors).toBeUndefined();
    expect(dung.data.person).toEqual({ fullName: DUNG.fullName, contactStatus: 'F2' });
    const byId = (id: string) => hub.query(`query($id: ID!) { contact(id: $id) { id case { id } } }`, { id }, { token });
    const dungContact = all.find((c) => c.person.id === DUNG.id)!;
    expect((await byId(dungContact.id)).data.contact).toEqual({ id: dungContact.id, case: { id: DEMO_CASE.id } });
    const chauContact = await byId(all.find((c) => c.person.id === CHAU.id)!.id);
    expect(chauContact.data.contact).toBeNull();
    expect(codes(chauContact.errors)).toEqual(['FORBIDDEN']);
  });

  itWithPostgres("an _entities call for a Case, straight to the tracing subgraph with another province's internal token: null, FORBIDDEN", async () => {
    await demoTraced();
    const tracing = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!;
    const entities = async (jurisdiction: string[]) => {
      const identity: Identity = { subject: `official-${jurisdiction.join('-')}-direct`, role: 'province_official', jurisdiction, scopes: [], purpose: null };
      const response = await fetch(tracing.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_SECRETS.internalToken, identity) },
        body: JSON.stringify({
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { id confirmedAt person { id } } } }`,
          variables: { r: [{ __typename: 'Case', id: DEMO_CASE.id }, { __typename: 'Case', id: randomUUID() }] },
        }),
      });
      return (await response.json()) as any;
    };
    const foreign = await entities(['31']);
    expect(foreign.data._entities).toEqual([null, null]);
    expect(foreign.errors).toEqual([expect.objectContaining({ path: ['_entities', 0], extensions: { code: 'FORBIDDEN' } })]);
    expect(JSON.stringify(foreign)).not.toContain(AN.id);
    // An official of a contact's home province gets it.
    const linked = await entities(['01']);
    expect(linked.errors).toBeUndefined();
    expect(linked.data._entities).toEqual([{ id: DEMO_CASE.id, confirmedAt: expect.any(String), person: { id: AN.id } }, null]);
  });

  itWithPostgres("an _entities call for another province's person, straight to the subgraph with a valid internal token: null, FORBIDDEN", async () => {
    const declarations = hub.hub.subgraphs.find((s) => s.name === 'declarations' && !s.provinceCode)!;
    const identity: Identity = { subject: 'official-79-direct', role: 'province_official', jurisdiction: ['79'], scopes: [], purpose: null };
    const response = await fetch(declarations.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_SECRETS.internalToken, identity) },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id fullName phone } } }`,
        variables: { r: [{ __typename: 'Person', id: CHAU.id }, { __typename: 'Person', id: BINH.id }] },
      }),
    });
    const body = (await response.json()) as any;
    expect(body.data._entities).toEqual([null, { id: BINH.id, fullName: BINH.fullName, phone: BINH.phone }]);
    expect(body.errors).toEqual([expect.objectContaining({ path: ['_entities', 0], extensions: { code: 'FORBIDDEN' } })]);
    expect(JSON.stringify(body)).not.toContain(CHAU.fullName);
    expect((await auditOf('official-79-direct')).map((r) => [r.person_id, r.outcome]).sort()).toEqual([
      [BINH.id, 'ALLOWED'],
      [CHAU.id, 'DENIED'],
    ]);
  });

  itWithPostgres('a partner with people:read sees the residence province only; without it, nothing', async () => {
    const asPartner = async (token: string) => {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ documentId: `sha256:${sha256(PARTNER_PERSON)}`, variables: { id: AN.id } }),
      });
      return (await response.json()) as { data?: any; errors?: Array<{ extensions?: Record<string, unknown> }> };
    };
    const subject = 'partner-people';
    const response = await asPartner(await hub.token({ subject, role: 'partner', scopes: ['people:read'] }));
    expect(response.errors).toBeUndefined();
    expect(response.data.person).toEqual({
      id: AN.id,
      fullName: null,
      birthYear: null,
      phone: null,
      residence: null,
      residenceProvince: { code: '79', name: 'Thành phố Hồ Chí Minh' },
      declarations: null,
      registeredAt: null,
    });
    expect(await auditOf(subject)).toEqual([
      expect.objectContaining({ outcome: 'MASKED', operation_name: 'PartnerPerson', masked_fields: ['fullName', 'birthYear', 'phone', 'residence', 'declarations', 'registeredAt'] }),
    ]);

    const refused = await asPartner(await hub.token({ subject: 'partner-checkins', role: 'partner', scopes: ['checkins:write'] }));
    // Refused at the gateway (@requiresScopes) or, were that gone, here in the subgraph: FORBIDDEN either way.
    expect(refused.data?.person ?? null).toBeNull();
    expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
  });

  itWithPostgres("a tracer sees phones and declarations only in their team's wards, names in their province, nobody elsewhere", async () => {
    // An lives in ward 26740 (the team's), Bình in 26743 (same province, another team's).
    const { subject, token } = await caller({ role: 'tracer', provinces: ['79'], wards: [AN.wardCode] });
    const response = await hub.query(
      `query($ids: [ID!]!) { people(ids: $ids) { id fullName phone residence { code } declarations { kind } } }`,
      { ids: [AN.id, BINH.id, CHAU.id] },
      { token },
    );
    expect(response.data.people).toEqual([
      { id: AN.id, fullName: AN.fullName, phone: AN.phone, residence: { code: AN.wardCode }, declarations: [{ kind: 'SYMPTOMS' }] },
      { id: BINH.id, fullName: BINH.fullName, phone: null, residence: { code: BINH.wardCode }, declarations: null },
      null,
    ]);
    expect(codes(response.errors)).toEqual(['FORBIDDEN']);
    const audit = Object.fromEntries((await auditOf(subject)).map((r) => [r.person_id, [r.outcome, r.masked_fields]]));
    expect(audit).toEqual({ [AN.id]: ['ALLOWED', []], [BINH.id]: ['MASKED', ['phone', 'declarations']], [CHAU.id]: ['DENIED', []] });
  });

  itWithPostgres('a citizen sees only themself', async () => {
    const token = await hub.token({ subject: AN.id, role: 'citizen' });
    const own = await hub.query(`query($id: ID!) { person(id: $id) { fullName phone declarations { kind } } }`, { id: AN.id }, { token });
    expect(own.errors).toBeUndefined();
    expect(own.data.person).toEqual({ fullName: AN.fullName, phone: AN.phone, declarations: [{ kind: 'SYMPTOMS' }] });
    const other = await hub.query(`query($id: ID!) { person(id: $id) { fullName } }`, { id: BINH.id }, { token });
    expect(other.data.person).toBeNull();
    expect(codes(other.errors)).toEqual(['FORBIDDEN']);
    const byPhone = await hub.query(`{ findPerson(phone: "${BINH.phone}") { fullName } }`, {}, { token });
    expect(byPhone.data.findPerson).toBeNull();
    expect(codes(byPhone.errors)).toEqual(['FORBIDDEN']);
  });

  describe('break-the-glass', () => {
    const OPEN = /* GraphQL */ `
      mutation Open($id: ID!, $reason: String!) {
        openPersonRecord(personId: $id, reason: $reason) {
          __typename
          ... on PersonRecordOpened { grant { id official officialProvinces reason openedAt expiresAt active owningProvince { code } person { fullName } } }
          ... on BreakGlassRefused { code message }
        }
      }`;
    const REASON = 'F1 of case c45e0f00 confirmed in province 79; Hà Nội does not answer tonight';

    itWithPostgres('opens a record outside the jurisdiction for one hour, audited with the reason, visible to the owning province', async () => {
      const { subject, token } = await caller({ role: 'province_official', provinces: ['79'] });
      const opened = await hub.query(OPEN, { id: CHAU.id, reason: REASON }, { token });
      expect(opened.errors).toBeUndefined();
      const grant = opened.data.openPersonRecord.grant;
      expect(opened.data.openPersonRecord.__typename).toBe('PersonRecordOpened');
      expect(grant).toMatchObject({ official: subject, officialProvinces: ['79'], reason: REASON, active: true, owningProvince: { code: '01' }, person: { fullName: CHAU.fullName } });
      expect(Date.parse(grant.expiresAt) - Date.parse(grant.openedAt)).toBe(60 * 60_000);

      // Under the grant the record reads like one of the official's own; the read is audited with the reason.
      const read = await hub.query(`query ReadUnderGrant($id: ID!) { person(id: $id) { fullName phone } }`, { id: CHAU.id }, { token });
      expect(read.errors).toBeUndefined();
      expect(read.data.person).toEqual({ fullName: CHAU.fullName, phone: CHAU.phone });
      const audit = await auditOf(subject);
      expect(audit).toEqual([
        expect.objectContaining({ person_id: CHAU.id, operation_name: 'Open', outcome: 'ALLOWED', reason: REASON, break_glass_grant_id: grant.id, fields: ['fullName'] }),
        expect.objectContaining({ person_id: CHAU.id, operation_name: 'ReadUnderGrant', outcome: 'ALLOWED', reason: REASON, break_glass_grant_id: grant.id, fields: ['fullName', 'phone'] }),
      ]);
      // Other officials of province 79 hold no grant.
      const colleague = await hub.query(`query($id: ID!) { person(id: $id) { fullName } }`, { id: CHAU.id }, { token: official79 });
      expect(codes(colleague.errors)).toEqual(['FORBIDDEN']);

      // The owning province sees who opened its resident's record and why; province 79 may not list 01's grants.
      const LIST = `query($p: ID!) { breakGlassGrants(province: $p, activeOnly: true) { id official reason active person { id } } }`;
      const official01 = await hub.token({ subject: 'official-01', role: 'province_official', provinces: ['01'] });
      const listed = await hub.query(LIST, { p: '01' }, { token: official01 });
      expect(listed.errors).toBeUndefined();
      expect(listed.data.breakGlassGrants).toContainEqual({ id: grant.id, official: subject, reason: REASON, active: true, person: { id: CHAU.id } });
      const national = await hub.query(LIST, { p: '01' });
      expect(national.data.breakGlassGrants.map((g: any) => g.id)).toContain(grant.id);
      const foreign = await hub.query(LIST, { p: '01' }, { token });
      expect(foreign.data?.breakGlassGrants ?? null).toBeNull();
      expect(codes(foreign.errors)).toEqual(['FORBIDDEN']);
    });

    itWithPostgres('is refused for other roles, inside the jurisdiction, for an unknown person and without a real reason', async () => {
      const cases: Array<[string, string, string]> = [
        [await hub.token({ role: 'national_official' }), CHAU.id, 'ROLE_NOT_ALLOWED'],
        [await hub.token({ role: 'tracer', provinces: ['79'] }), CHAU.id, 'ROLE_NOT_ALLOWED'],
        [await hub.token({ subject: CHAU.id, role: 'citizen' }), CHAU.id, 'ROLE_NOT_ALLOWED'],
        [official79, AN.id, 'WITHIN_JURISDICTION'],
        [official79, randomUUID(), 'PERSON_NOT_FOUND'],
      ];
      for (const [token, id, code] of cases) {
        const response = await hub.query(OPEN.replace(' person { fullName }', ''), { id, reason: REASON }, { token });
        expect(response.data.openPersonRecord, code).toEqual({ __typename: 'BreakGlassRefused', code, message: expect.any(String) });
      }
      const short = await hub.query(OPEN.replace(' person { fullName }', ''), { id: CHAU.id, reason: 'because' }, { token: official79 });
      expect(short.data.openPersonRecord.code).toBe('INVALID_REASON');
      const [grants] = await sql<{ n: number }[]>`select count(*)::int as n from break_glass_grants where official_subject = 'official-79'`;
      expect(grants?.n).toBe(0);
    });
  });

  itWithPostgres('auditTrail: national officials and officials of the person\'s province with audit:read; others FORBIDDEN', async () => {
    const TRAIL = `query($id: ID!) { auditTrail(personId: $id, limit: 500) { subject role jurisdiction personId fields outcome operationName at } }`;
    const national = await hub.token({ role: 'national_official', scopes: ['audit:read'] });
    const trail = await hub.query(TRAIL, { id: CHAU.id }, { token: national });
    expect(trail.errors).toBeUndefined();
    expect(trail.data.auditTrail.length).toBeGreaterThan(0);
    expect(trail.data.auditTrail.every((r: any) => r.personId === CHAU.id)).toBe(true);
    expect(trail.data.auditTrail.map((r: any) => r.outcome)).toContain('DENIED');

    const of01 = await hub.token({ role: 'province_official', provinces: ['01'], scopes: ['audit:read'] });
    expect((await hub.query(TRAIL, { id: CHAU.id }, { token: of01 })).errors).toBeUndefined();
    for (const token of [
      await hub.token({ role: 'province_official', provinces: ['79'], scopes: ['audit:read'] }), // not Châu's province
      await hub.token({ role: 'province_official', provinces: ['01'] }), // no scope
      await hub.token({ role: 'national_official' }), // no scope
      await hub.token({ role: 'tracer', provinces: ['01'], wards: [CHAU.wardCode], scopes: ['audit:read'] }),
    ]) {
      const refused = await hub.query(TRAIL, { id: CHAU.id }, { token });
      expect(refused.data?.auditTrail ?? null).toBeNull();
      expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
    }
  });

  itWithPostgres('audit records hold ids and field names, never the personal data itself', async () => {
    await hub.query(`{ people(ids: ["${AN.id}", "${CHAU.id}"]) { fullName birthYear phone declarations { kind symptoms travel } } }`);
    const rows = await sql`select * from audit_records`;
    expect(rows.length).toBeGreaterThan(5);
    const dump = JSON.stringify(rows);
    for (const p of Object.values(DEMO_PEOPLE)) {
      expect(dump).not.toContain(p.fullName);
      expect(dump).not.toContain(p.phone);
      expect(dump).not.toContain(p.nationalId);
    }
    expect(dump).not.toMatch(/FEVER|COUGH|Đà Lạt/);
    const columns = (await sql<{ column_name: string }[]>`select column_name from information_schema.columns where table_name = 'audit_records'`).map((c) => c.column_name);
    expect(columns.filter((c) => /name|phone|national|birth|symptom/.test(c))).toEqual(['operation_name']);
  });

  // ---- the audit of reads of health status (the tracing subgraph's own audit_records) ----

  describe('health status (tracing): reads of cases and contact status are audited', () => {
    let tracingSql: postgres.Sql;
    beforeAll(() => {
      tracingSql = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!.database.sql;
    });
    const HEALTH_TRAIL = `query HealthTrail($id: ID!) { healthAuditTrail(personId: $id, limit: 1000) { subject role jurisdiction personId fields operationName purpose at outcome } }`;
    const healthTrailOf = async (personId: string, subject: string) => {
      const national = await hub.token({ role: 'national_official', scopes: ['audit:read'] });
      const response = await hub.query(HEALTH_TRAIL, { id: personId }, { token: national });
      expect(response.errors).toBeUndefined();
      return (response.data.healthAuditTrail as Array<Record<string, unknown>>).filter((r) => r.subject === subject);
    };

    itWithPostgres('a province official reading a case: an ALLOWED record in healthAuditTrail, not in auditTrail', async () => {
      const { subject, token } = await caller({ role: 'province_official', provinces: ['79'], purpose: 'case-follow-up', scopes: ['audit:read'] });
      const response = await hub.query(`query CaseOfAn($id: ID!) { case(id: $id) { confirmedAt person { id } } }`, { id: DEMO_CASE.id }, { token });
      expect(response.errors).toBeUndefined();
      expect(response.data.case.person).toEqual({ id: AN.id });
      expect(await healthTrailOf(AN.id, subject)).toEqual([
        {
          subject,
          role: 'province_official',
          jurisdiction: ['79'],
          personId: AN.id,
          fields: ['case'],
          operationName: 'CaseOfAn',
          purpose: 'case-follow-up',
          at: expect.any(String),
          outcome: 'ALLOWED',
        },
      ]);
      // The same official (of An's case's province, with audit:read) may read it too; the identity trail has no such read.
      const own = await hub.query(HEALTH_TRAIL, { id: AN.id }, { token });
      expect(own.errors).toBeUndefined();
      expect(own.data.healthAuditTrail.filter((r: any) => r.subject === subject)).toHaveLength(1);
      expect(await auditOf(subject)).toEqual([]);
      // Ids and field names only: no names, no statuses, no case dates.
      const dump = JSON.stringify(await tracingSql`select * from audit_records`);
      for (const p of Object.values(DEMO_PEOPLE)) expect(dump).not.toContain(p.fullName);
      expect(dump).not.toMatch(/"F[012]"/);
      expect(dump).not.toContain(response.data.case.confirmedAt.slice(0, 19));
    });

    itWithPostgres('a refused case(id:) is a DENIED record; officials who may not see the person may not read their trail', async () => {
      await demoTraced();
      const { subject, token } = await caller({ role: 'province_official', provinces: ['31'], scopes: ['audit:read'] });
      const response = await hub.query(`query PeekCase($id: ID!) { case(id: $id) { id } }`, { id: DEMO_CASE.id }, { token });
      expect(response.data.case).toBeNull();
      expect(codes(response.errors)).toEqual(['FORBIDDEN']);
      expect(await healthTrailOf(AN.id, subject)).toEqual([
        expect.objectContaining({ role: 'province_official', jurisdiction: ['31'], personId: AN.id, fields: ['case'], operationName: 'PeekCase', outcome: 'DENIED' }),
      ]);
      // Province 31 sees none of An's cases or contacts: the trail is not theirs to read.
      const refused = await hub.query(HEALTH_TRAIL, { id: AN.id }, { token });
      expect(refused.data?.healthAuditTrail ?? null).toBeNull();
      expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
    });

    itWithPostgres('a tracing audit write that fails returns no health data, only an error', async () => {
      await demoTraced();
      await tracingSql`alter table audit_records rename to audit_records_away`;
      try {
        const response = await hub.query(`query($id: ID!) { case(id: $id) { confirmedAt contacts { degree person { id } } } }`, { id: DEMO_CASE.id });
        expect(response.data?.case ?? null).toBeNull();
        expect(codes(response.errors)).toContain('AUDIT_UNAVAILABLE');
        expect(JSON.stringify(response)).not.toContain(BINH.id);
        const status = await hub.query(`query($id: ID!) { person(id: $id) { contactStatus cases { id } } }`, { id: AN.id });
        expect(codes(status.errors)).toContain('AUDIT_UNAVAILABLE');
        expect(JSON.stringify(status)).not.toContain('F0');
        expect(JSON.stringify(status)).not.toContain(DEMO_CASE.id);
      } finally {
        await tracingSql`alter table audit_records_away rename to audit_records`;
      }
      const after = await hub.query(`query($id: ID!) { person(id: $id) { contactStatus } }`, { id: AN.id });
      expect(after.data.person).toEqual({ contactStatus: 'F0' });
    });
  });

  // ---- the audit of reads of movements (the checkins subgraph's own audit_records) ----

  itWithPostgres("a province-79 official reading a 79 person's checkIns: an ALLOWED record in movementAuditTrail, no personal data stored", async () => {
    const { subject, token } = await caller({ role: 'province_official', provinces: ['79'], purpose: 'case-follow-up', scopes: ['audit:read'] });
    const response = await hub.query(`query AnMovements($id: ID!) { person(id: $id) { checkIns { checkedInAt venue { id name } } } }`, { id: AN.id }, { token });
    expect(response.errors).toBeUndefined();
    const checkIns: Array<{ checkedInAt: string; venue: { id: string; name: string } }> = response.data.person.checkIns;
    expect(checkIns.map((c) => c.venue.id)).toEqual([BEN_THANH.id]);

    const TRAIL = `query MovementTrail($id: ID!) { movementAuditTrail(personId: $id, limit: 1000) { subject role jurisdiction personId fields operationName purpose at outcome } }`;
    const national = await hub.query(TRAIL, { id: AN.id }, { token: await hub.token({ role: 'national_official', scopes: ['audit:read'] }) });
    expect(national.errors).toBeUndefined();
    const record = {
      subject,
      role: 'province_official',
      jurisdiction: ['79'],
      personId: AN.id,
      fields: ['checkIns'],
      operationName: 'AnMovements',
      purpose: 'case-follow-up',
      at: expect.any(String),
      outcome: 'ALLOWED',
    };
    expect(national.data.movementAuditTrail.filter((r: any) => r.subject === subject)).toEqual([record]);
    // The official may read An's trail too (An checked in at a venue in 79); the other trails have no such read.
    const own = await hub.query(TRAIL, { id: AN.id }, { token });
    expect(own.errors).toBeUndefined();
    expect(own.data.movementAuditTrail.filter((r: any) => r.subject === subject)).toEqual([record]);
    expect((await auditOf(subject)).filter((r) => r.fields.includes('checkIns'))).toEqual([]);

    // Ids and field names only: no names, venues or times.
    const checkinsSql = hub.hub.subgraphs.find((s) => s.name === 'checkins' && !s.provinceCode)!.database.sql;
    const rows = await checkinsSql`select * from audit_records`;
    expect(rows.length).toBeGreaterThan(0);
    const dump = JSON.stringify(rows);
    for (const p of Object.values(DEMO_PEOPLE)) {
      expect(dump).not.toContain(p.fullName);
      expect(dump).not.toContain(p.phone);
    }
    for (const v of Object.values(DEMO_VENUES)) {
      expect(dump).not.toContain(v.id);
      expect(dump).not.toContain(v.name);
      expect(dump).not.toContain(v.qrCode);
    }
    expect(dump).not.toContain(checkIns[0]!.checkedInAt.slice(0, 19));
  });

  itWithPostgres('an audit write that fails returns no data, only an error', async () => {
    // The audit table goes away (as if the write failed); the read must not answer.
    await sql`alter table audit_records rename to audit_records_away`;
    try {
      const response = await hub.query(`query($id: ID!) { person(id: $id) { fullName phone declarations { kind } } }`, { id: AN.id });
      expect(response.data?.person ?? null).toBeNull();
      expect(codes(response.errors)).toContain('AUDIT_UNAVAILABLE');
      expect(JSON.stringify(response)).not.toContain(AN.fullName);
      expect(JSON.stringify(response)).not.toContain(AN.phone);
      const nested = await hub.query(`query($id: ID!) { person(id: $id) { exposures { contact { fullName } } } }`, { id: AN.id });
      expect(JSON.stringify(nested)).not.toContain(BINH.fullName);
      expect(codes(nested.errors)).toContain('AUDIT_UNAVAILABLE');
    } finally {
      await sql`alter table audit_records_away rename to audit_records`;
    }
    const after = await hub.query(`query($id: ID!) { person(id: $id) { fullName } }`, { id: AN.id });
    expect(after.data.person).toEqual({ fullName: AN.fullName });
  });
});
