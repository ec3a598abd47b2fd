import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { loadWorld } from '../support/tracing-data.ts';
import type { AuditRow } from '../support/subgraph.ts';

const { an: AN, binh: BINH, chau: CHAU, dung: DUNG, ha: HA, long: LONG } = DEMO_PEOPLE;
const SITE_79 = { province: '79', id: demoId('testingSite', '79', 1) };
const SITE_01 = { province: '01', id: demoId('testingSite', '01', 1) };

// Labs are partners: they run registered operations only (gateway/trusted-documents.ts).
const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted corrected duplicates rejected { index sampleId code field } } }`;
const LAB_READ = /* GraphQL */ `query LabRead($id: ID!, $personId: ID!) { testResult(id: $id) { result } person(id: $personId) { testResults { result } } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const codes = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) => (errors ?? []).map((e) => e.extensions?.code);

function trustedDocumentsFor(clients: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'testing-documents-'));
  const operations = [
    { id: sha256(RECORD), name: 'RecordTestResults', type: 'mutation', body: RECORD },
    { id: sha256(LAB_READ), name: 'LabRead', type: 'query', body: LAB_READ },
  ];
  for (const client of clients) writeFileSync(join(dir, `${client}.json`), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
  return dir;
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
let seq = 0;
/** A valid row: a PCR sampled three hours ago at province 79's site, resulted an hour ago. */
const row = (patch: Record<string, unknown> = {}) => ({
  sampleId: `S-${Date.now()}-${++seq}`,
  personId: BINH.id,
  kind: 'PCR',
  result: 'NEGATIVE',
  collectedAt: hoursAgo(3),
  resultedAt: hoursAgo(1),
  sampleType: 'NASOPHARYNGEAL_SWAB',
  testingSite: SITE_79,
  ...patch,
});

const RESULT_FIELDS = 'id sampleId kind result ctValue lab testingSite { provinceCode id name } pool { size retestRequired } revision history { revision result ctValue }';

/**
 * The testing subgraph through the real hub: labs (partners) upload results by registered
 * operation; reads follow the trust rules of health data and are audited.
 */
describe('testing: lab results, pools, corrections, who reads them', () => {
  let hub: TestHub;
  let sql: postgres.Sql;
  let lab: string;

  const asLab = async (token: string, document: string, variables: Record<string, unknown>) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documentId: `sha256:${sha256(document)}`, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  };
  const record = async (results: unknown[]) => {
    const response = await asLab(lab, RECORD, { results });
    expect(response.errors, JSON.stringify(response)).toBeUndefined();
    return response.data.recordTestResults as { accepted: number; corrected: number; duplicates: number; rejected: Array<{ index: number; code: string; field: string }> };
  };
  /** The person's results with these sample ids, as a national official. */
  const resultsOf = async (personId: string, sampleIds: string[], token?: string) => {
    const response = await hub.query(`query($id: ID!) { person(id: $id) { testResults { ${RESULT_FIELDS} } latestTest { sampleId result } } }`, { id: personId }, token ? { token } : {});
    expect(response.errors).toBeUndefined();
    const person = response.data.person;
    return { results: person.testResults.filter((r: { sampleId: string }) => sampleIds.includes(r.sampleId)), latest: person.latestTest };
  };

  beforeAll(async () => {
    // A body large enough for an upload over the row limit.
    hub = await startTestHub({ trustedDocumentsDir: trustedDocumentsFor(['lab-a', 'lab-b']), maxBodyBytes: 4_000_000 });
    sql = hub.hub.subgraphs.find((s) => s.name === 'testing')!.database.sql;
    lab = await hub.token({ subject: 'lab-a', role: 'partner', scopes: ['tests:write'] });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('a lab batch is stored, with the lab, the site (from its province shard) and the Ct value', async () => {
    const pcr = row({ result: 'POSITIVE', ctValue: 24.5 });
    const rapid = row({ kind: 'RAPID_ANTIGEN', testingSite: SITE_01, sampleType: 'NASAL_SWAB' });
    expect(await record([pcr, rapid])).toEqual({ accepted: 2, corrected: 0, duplicates: 0, rejected: [] });
    const { results } = await resultsOf(BINH.id, [pcr.sampleId, rapid.sampleId]);
    expect(results).toHaveLength(2);
    expect(results.find((r: any) => r.sampleId === pcr.sampleId)).toMatchObject({
      kind: 'PCR', result: 'POSITIVE', ctValue: 24.5, lab: 'lab-a', pool: null, revision: 1, history: [],
      testingSite: { provinceCode: '79', id: SITE_79.id, name: expect.stringContaining('Điểm xét nghiệm') },
    });
    expect(results.find((r: any) => r.sampleId === rapid.sampleId)).toMatchObject({ kind: 'RAPID_ANTIGEN', ctValue: null, testingSite: { provinceCode: '01' } });
  });

  itWithPostgres('the same batch sent twice stores nothing new: every row a duplicate', async () => {
    const batch = [row(), row({ personId: AN.id, kind: 'RAPID_ANTIGEN' }), row({ personId: HA.id, ctValue: 30 })];
    expect(await record(batch)).toMatchObject({ accepted: 3, duplicates: 0 });
    const count = async () => (await sql`select count(*)::int as n from test_results where sample_id = any(${batch.map((b) => b.sampleId)})`)[0]!.n;
    expect(await count()).toBe(3);
    expect(await record(batch)).toEqual({ accepted: 0, corrected: 0, duplicates: 3, rejected: [] });
    expect(await count()).toBe(3);
    expect((await sql`select count(*)::int as n from test_result_revisions r join test_results t on t.id = r.test_result_id where t.sample_id = any(${batch.map((b) => b.sampleId)})`)[0]!.n).toBe(0);
    // Another lab's sample ids are its own: the same id from lab-b is a new result.
    const labB = await hub.token({ subject: 'lab-b', role: 'partner', scopes: ['tests:write'] });
    expect((await asLab(labB, RECORD, { results: [batch[0]] })).data.recordTestResults).toMatchObject({ accepted: 1 });
  });

  itWithPostgres('a correction replaces the result and keeps the earlier version in its history', async () => {
    const first = row({ result: 'INCONCLUSIVE', ctValue: 38 });
    await record([first]);
    expect(await record([{ ...first, result: 'POSITIVE', ctValue: 27 }])).toEqual({ accepted: 0, corrected: 1, duplicates: 0, rejected: [] });
    const { results } = await resultsOf(BINH.id, [first.sampleId]);
    expect(results).toEqual([expect.objectContaining({ result: 'POSITIVE', ctValue: 27, revision: 2, history: [{ revision: 1, result: 'INCONCLUSIVE', ctValue: 38 }] })]);
    // The correction sent again is a duplicate of the corrected row.
    expect(await record([{ ...first, result: 'POSITIVE', ctValue: 27 }])).toMatchObject({ duplicates: 1, corrected: 0 });
  });

  itWithPostgres('bad rows are reported by index with a code, the good ones are stored', async () => {
    const good = [row({ personId: AN.id }), row({ personId: HA.id })];
    const taken = row({ personId: DUNG.id });
    await record([taken]);
    const unregistered = randomUUID();
    const batch = [
      good[0],
      row({ personId: 'not-a-uuid' }),
      row({ kind: 'RAPID_ANTIGEN', ctValue: 20 }),
      row({ testingSite: { province: '7', id: SITE_79.id } }),
      row({ collectedAt: hoursAgo(1), resultedAt: hoursAgo(2) }),
      row({ resultedAt: new Date(Date.now() + 3_600_000).toISOString() }),
      { ...taken, personId: AN.id },
      row({ sampleId: '' }),
      good[1],
      row({ lab: 'another-lab' }),
      // Well-formed, but no such site: a new id, Hà Nội's site named under province 79, a province that does not exist.
      row({ testingSite: { province: '79', id: randomUUID() } }),
      row({ testingSite: { province: '79', id: SITE_01.id } }),
      row({ testingSite: { province: '99', id: SITE_79.id } }),
      // Nobody registered: the row's person, or a pool's other member.
      row({ personId: unregistered }),
      row({ pool: { members: [BINH.id, unregistered] } }),
      // Both wrong: the site is reported.
      row({ personId: unregistered, testingSite: { province: '01', id: SITE_79.id } }),
    ];
    const outcome = await record(batch);
    expect(outcome.accepted).toBe(2);
    expect(outcome.rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [1, 'BAD_ROW', 'personId'],
      [2, 'BAD_ROW', 'ctValue'],
      [3, 'UNKNOWN_TESTING_SITE', 'testingSite'],
      [4, 'RESULTED_BEFORE_COLLECTED', 'resultedAt'],
      [5, 'TIME_IN_FUTURE', 'resultedAt'],
      [6, 'SAMPLE_ID_CONFLICT', 'sampleId'],
      [7, 'BAD_ROW', 'sampleId'],
      [9, 'BAD_ROW', 'lab'],
      [10, 'UNKNOWN_TESTING_SITE', 'testingSite'],
      [11, 'UNKNOWN_TESTING_SITE', 'testingSite'],
      [12, 'UNKNOWN_TESTING_SITE', 'testingSite'],
      [13, 'UNKNOWN_PERSON', 'personId'],
      [14, 'UNKNOWN_PERSON', 'pool'],
      [15, 'UNKNOWN_TESTING_SITE', 'testingSite'],
    ]);
    const stored = await sql`select sample_id from test_results where sample_id = any(${batch.map((b) => b!.sampleId)}) order by sample_id`;
    expect(stored.map((r) => r.sample_id).sort()).toEqual([good[0]!.sampleId, good[1]!.sampleId, taken.sampleId].sort());
    expect((await sql`select count(*)::int as n from test_results where person_id = ${unregistered}`)[0]!.n).toBe(0);

    // A site the province adds is known at the next upload, though the province's list was cached.
    const shard = hub.hub.subgraphs.find((s) => s.name === 'province' && s.provinceCode === '79')!.database.sql;
    const newSite = randomUUID();
    const late = row({ testingSite: { province: '79', id: newSite } });
    expect((await record([late])).rejected.map((r) => r.code)).toEqual(['UNKNOWN_TESTING_SITE']);
    await shard`insert into testing_sites (id, name, ward_code, address, opening_hours) values (${newSite}, 'Điểm xét nghiệm mới', '26743', 'Số 1', '07:00–17:00')`;
    expect(await record([late])).toMatchObject({ accepted: 1, rejected: [] });
  });

  itWithPostgres('the people an upload names are asked of the graph once, then remembered, and no person is read or audited for it', async () => {
    const declarations = hub.hub.subgraphs.find((s) => s.name === 'declarations')!.database.sql;
    const person = randomUUID();
    await loadWorld(hub.hub, { people: [{ id: person, provinceCode: '79', wardCode: '26740' }], venues: [], checkIns: [] });
    expect(await record([row({ personId: person })])).toMatchObject({ accepted: 1, rejected: [] });
    // knownPersonIds answers ids only: declarations records no read of the person.
    expect((await declarations`select count(*)::int as n from audit_records where person_id = ${person}`)[0]!.n).toBe(0);
    // Remembered: once the registry no longer has the person, the next uploads do not ask and still accept them.
    await declarations`delete from people where id = ${person}`;
    expect(await record([row({ personId: person }), row({ personId: person, kind: 'RAPID_ANTIGEN' })])).toMatchObject({ accepted: 2, rejected: [] });
  });

  itWithPostgres('knownPersonIds answers which ids are registered, to the service role only, and audits no one', async () => {
    const declarations = hub.hub.subgraphs.find((s) => s.name === 'declarations')!.database.sql;
    const unknown = randomUUID();
    const KNOWN = /* GraphQL */ `query Known($ids: [ID!]!) { knownPersonIds(ids: $ids) }`;
    const service = await hub.token({ subject: 'testing-service', role: 'service' });
    const answer = await hub.query(KNOWN, { ids: [AN.id.toUpperCase(), unknown, BINH.id] }, { token: service });
    expect(answer.errors).toBeUndefined();
    expect([...answer.data.knownPersonIds].sort()).toEqual([AN.id, BINH.id].sort());
    expect((await declarations`select count(*)::int as n from audit_records where subject = 'testing-service'`)[0]!.n).toBe(0);
    // Anyone else could learn who is registered without an audited read: refused.
    for (const token of [await hub.token({ subject: AN.id, role: 'citizen' }), await hub.token({ subject: 'n', role: 'national_official' })]) {
      const refused = await hub.query(KNOWN, { ids: [AN.id] }, { token });
      expect(refused.data?.knownPersonIds ?? null).toBeNull();
      expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
    }
    const malformed = await hub.query(KNOWN, { ids: [AN.id, 'not-a-uuid'] }, { token: service });
    expect(codes(malformed.errors)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await hub.query(KNOWN, { ids: Array.from({ length: 5001 }, () => unknown) }, { token: service });
    expect(codes(tooMany.errors)).toEqual(['BAD_USER_INPUT']);
  });

  itWithPostgres('a malformed upload (a bad value of an enum, over 5000 rows) stores nothing', async () => {
    const marker = row();
    const badEnum = await asLab(lab, RECORD, { results: [marker, row({ result: 'MAYBE' })] });
    expect(badEnum.data?.recordTestResults ?? null).toBeNull();
    const tooMany = await asLab(lab, RECORD, { results: Array.from({ length: 5001 }, () => ({ ...marker })) });
    expect(codes(tooMany.errors)).toEqual(['BAD_USER_INPUT']);
    expect((await sql`select count(*)::int as n from test_results where sample_id = ${marker.sampleId}`)[0]!.n).toBe(0);
  });

  itWithPostgres('a positive pool flags each member for a re-test and is no positive result of theirs', async () => {
    const pool = row({ personId: CHAU.id, result: 'POSITIVE', ctValue: 31, pool: { members: [CHAU.id, LONG.id] } });
    expect(await record([pool])).toMatchObject({ accepted: 1, rejected: [] });
    for (const member of [CHAU, LONG]) {
      const { results, latest } = await resultsOf(member.id, [pool.sampleId]);
      expect(results).toEqual([expect.objectContaining({ result: 'POSITIVE', pool: { size: 2, retestRequired: true } })]);
      // Not the person's own result: nothing of theirs is positive.
      expect(latest).toBeNull();
    }
    const individualPositives = await sql`select count(*)::int as n from test_results where person_id = any(${[CHAU.id, LONG.id]}::uuid[]) and pool_size is null and result = 'POSITIVE'`;
    expect(individualPositives[0]!.n).toBe(0);
  });

  itWithPostgres('a negative pool is a negative result for every member', async () => {
    const pool = row({ personId: DUNG.id, resultedAt: hoursAgo(0.5), pool: { members: [DUNG.id, HA.id, AN.id] } });
    expect(await record([pool])).toMatchObject({ accepted: 1 });
    for (const member of [DUNG, HA, AN]) {
      const { results, latest } = await resultsOf(member.id, [pool.sampleId]);
      expect(results).toEqual([expect.objectContaining({ result: 'NEGATIVE', pool: { size: 3, retestRequired: false } })]);
      expect(latest).toEqual({ sampleId: pool.sampleId, result: 'NEGATIVE' });
    }
    // A pool must name the row's person, each member once, 2 to 10 of them.
    const bad = await record([row({ pool: { members: [DUNG.id, HA.id] } }), row({ pool: { members: [BINH.id] } })]);
    expect(bad.rejected.map((r) => [r.index, r.code, r.field])).toEqual([[0, 'BAD_ROW', 'pool'], [1, 'BAD_ROW', 'pool']]);
  });

  itWithPostgres('a citizen sees only their own results', async () => {
    const own = row({ personId: HA.id, resultedAt: hoursAgo(0.25) });
    const other = row({ personId: BINH.id });
    await record([own, other]);
    const citizen = await hub.token({ subject: HA.id, role: 'citizen' });
    const mine = await resultsOf(HA.id, [own.sampleId], citizen);
    expect(mine.results).toEqual([expect.objectContaining({ sampleId: own.sampleId })]);
    const [otherId] = await sql`select id from test_results where sample_id = ${other.sampleId}`;
    const refused = await hub.query(`query($id: ID!) { testResult(id: $id) { result } }`, { id: otherId!.id }, { token: citizen });
    expect(refused.data.testResult).toBeNull();
    expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
  });

  itWithPostgres('a lab cannot read results: without tests:read at the gateway, with it in the subgraph', async () => {
    const sample = row();
    await record([sample]);
    const [stored] = await sql`select id from test_results where sample_id = ${sample.sampleId}`;
    const plain = await asLab(lab, LAB_READ, { id: stored!.id, personId: BINH.id });
    expect(plain.data?.testResult ?? null).toBeNull();
    expect(codes(plain.errors)).toContain('FORBIDDEN');
    const scoped = await hub.token({ subject: 'lab-a', role: 'partner', scopes: ['tests:write', 'tests:read', 'people:read'] });
    const reading = await asLab(scoped, LAB_READ, { id: stored!.id, personId: BINH.id });
    expect(reading.data.testResult).toBeNull();
    expect(reading.data.person.testResults).toBeNull();
    expect(codes(reading.errors)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(JSON.stringify(reading)).not.toContain('NEGATIVE');
    // The gateway asks the root field and the person's results in two fetches, which may run at once: a record each, in either order.
    const audit = await sql<AuditRow[]>`select * from audit_records where subject = 'lab-a' and operation_name = 'LabRead' order by fields`;
    expect(audit.map((r) => [r.person_id, r.fields, r.outcome])).toEqual([[BINH.id, ['testResult'], 'DENIED'], [BINH.id, ['testResults'], 'DENIED']]);
  });

  itWithPostgres("a province official sees the results of samples taken in their provinces only, and each read is audited", async () => {
    const here = row({ testingSite: SITE_79 });
    const there = row({ testingSite: SITE_01 });
    await record([here, there]);
    const subject = `official-79-${randomUUID()}`;
    const official = await hub.token({ subject, role: 'province_official', provinces: ['79'], purpose: 'testing-follow-up' });
    const { results } = await resultsOf(BINH.id, [here.sampleId, there.sampleId], official);
    expect(results.map((r: any) => r.sampleId)).toEqual([here.sampleId]);
    const [thereRow] = await sql`select id from test_results where sample_id = ${there.sampleId}`;
    const refused = await hub.query(`query ReadThere($id: ID!) { testResult(id: $id) { result } }`, { id: thereRow!.id }, { token: official });
    expect(refused.data.testResult).toBeNull();
    expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
    const audit = await sql<AuditRow[]>`select * from audit_records where subject = ${subject} order by id`;
    expect(audit).toEqual([
      expect.objectContaining({ person_id: BINH.id, role: 'province_official', jurisdiction: ['79'], fields: ['testResults', 'latestTest'], outcome: 'ALLOWED', purpose: 'testing-follow-up' }),
      expect.objectContaining({ person_id: BINH.id, fields: ['testResult'], outcome: 'DENIED', operation_name: 'ReadThere' }),
    ]);
  });
});
