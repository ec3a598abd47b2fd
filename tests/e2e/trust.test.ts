import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEMO_CASE, DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { INTERNAL_TOKEN_HEADER, signInternalToken, type Identity } from '../../subgraphs/shared/identity.ts';
import { startTestHub, TEST_SECRETS, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

const { an: AN, binh: BINH, chau: CHAU, dung: DUNG } = DEMO_PEOPLE;

interface AuditRow {
  subject: string;
  role: string;
  jurisdiction: string[];
  person_id: string;
  fields: string[];
  masked_fields: string[];
  operation_name: string | null;
  purpose: string | null;
  outcome: string;
  reason: string | null;
  break_glass_grant_id: string | null;
}

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
 * Jurisdiction, masking, break-the-glass and audit of personal data (the declarations subgraph),
 * through the gateway, as each kind of caller.
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
      expect(foreign.data).toBeNull();
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
      expect(refused.data).toBeNull();
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
