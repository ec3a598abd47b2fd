import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { vietnamDatePlus } from '../../subgraphs/testing/confirmation.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { loadWorld, type SmallWorld } from '../support/tracing-data.ts';

const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted corrected duplicates rejected { index code } } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const SITE = (province: string) => ({ province, id: demoId('testingSite', province, 1) });
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
let seq = 0;
const pcr = (personId: string, site: string, patch: Record<string, unknown> = {}) => ({
  sampleId: `C-${Date.now()}-${++seq}`, personId, kind: 'PCR', result: 'POSITIVE', ctValue: 22,
  collectedAt: hoursAgo(3).toISOString(), resultedAt: hoursAgo(1).toISOString(), testingSite: SITE(site), ...patch,
});

const CASE = /* GraphQL */ `query($id: ID!) { case(id: $id) { id status rejectionReason province { code } person { id } evidence { id result kind }
  infectedBy { id degree case { id } } run { status f1Count f2Count } contacts { id degree person { id } } } }`;

/**
 * Results make cases, contacts get test schedules, chains show who infected whom: through the real
 * hub (lab as partner with a registered operation; the testing jobs confirm through the graph).
 *
 * The world: P0 (Hồ Chí Minh, 79) met P1 (Hà Nội, 01) 30 hours ago; P1 then met P2 (Bắc Ninh, 24)
 * 20 hours ago. So P0's case has P1 as F1 and P2 as F2; P1's case (later) links to P0's.
 */
describe('testing → cases → schedules → chains', () => {
  let hub: TestHub;
  let tracingSql: postgres.Sql;
  let lab: string;
  const [P0, P1, P2, P3, P4, P5, P6] = Array.from({ length: 7 }, () => randomUUID());
  const [V1, V2] = [randomUUID(), randomUUID()];
  const world: SmallWorld = {
    people: [
      { id: P0!, provinceCode: '79', wardCode: '26740' },
      { id: P1!, provinceCode: '01', wardCode: '00004' },
      { id: P2!, provinceCode: '24', wardCode: '07210' },
      ...[P3, P4, P5, P6].map((id) => ({ id: id!, provinceCode: '79', wardCode: '26740' })),
    ],
    venues: [V1!, V2!],
    checkIns: [
      { id: randomUUID(), personId: P0!, venueId: V1!, in: hoursAgo(30), out: hoursAgo(29) },
      { id: randomUUID(), personId: P1!, venueId: V1!, in: hoursAgo(30), out: hoursAgo(29) },
      { id: randomUUID(), personId: P1!, venueId: V2!, in: hoursAgo(20), out: hoursAgo(19) },
      { id: randomUUID(), personId: P2!, venueId: V2!, in: hoursAgo(20), out: hoursAgo(19) },
    ],
  };

  const record = async (results: unknown[]) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${lab}` },
      body: JSON.stringify({ documentId: `sha256:${sha256(RECORD)}`, variables: { results } }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data.recordTestResults;
  };
  const casesOf = async (personId: string) => (await tracingSql`select id, status from cases where person_id = ${personId} order by confirmed_at`).map((r) => r.id as string);
  const waitForCase = async (personId: string) => {
    await expect.poll(() => casesOf(personId), { timeout: 20_000, interval: 100 }).toHaveLength(1);
    const [id] = await casesOf(personId);
    let answer: any;
    await expect.poll(async () => (answer = (await hub.query(CASE, { id })).data?.case)?.run?.status, { timeout: 20_000, interval: 100 }).toBe('SUCCEEDED');
    return answer;
  };
  const evaluate = (personId: string, sampleId: string) => hub.hub.testingJobs.evaluate({ personId, lab: 'lab-c', sampleId, revision: 1 });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testing-cases-'));
    writeFileSync(join(dir, 'lab-c.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(RECORD), name: 'RecordTestResults', type: 'mutation', body: RECORD }] }));
    hub = await startTestHub({ seedDemo: true, trustedDocumentsDir: dir, retry: { baseDelayMs: 100, maxDelayMs: 500 } });
    await loadWorld(hub.hub, world);
    tracingSql = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!.database.sql;
    lab = await hub.token({ subject: 'lab-c', role: 'partner', scopes: ['tests:write'] });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('a positive PCR makes a case whose run tasks the contacts in their home provinces with their test schedules; the same batch twice makes no second case', async () => {
    const batch = [pcr(P0!, '79')];
    expect(await record(batch)).toMatchObject({ accepted: 1, rejected: [] });
    const first = await waitForCase(P0!);
    expect(first).toMatchObject({ status: 'CONFIRMED', province: { code: '79' }, person: { id: P0 }, infectedBy: null, run: { f1Count: 1, f2Count: 1 } });
    expect(first.evidence).toEqual([expect.objectContaining({ result: 'POSITIVE', kind: 'PCR' })]);
    const degreeOf = new Map(first.contacts.map((c: any) => [c.person.id, c.degree]));
    expect(degreeOf).toEqual(new Map([[P1, 'F1'], [P2, 'F2']]));

    // Tasks in the contacts' home provinces.
    for (const [province, person] of [['01', P1], ['24', P2]] as const) {
      const tasks = (await hub.query(`{ province(code: "${province}") { tracingTasks { person { id } degree } } }`)).data.province.tracingTasks;
      expect(tasks).toContainEqual({ person: { id: person }, degree: person === P1 ? 'F1' : 'F2' });
    }
    // Schedules: F1 on days 1, 3, 7 after their exposure (Vietnam dates), F2 once (day 1).
    const schedule = async (personId: string, token?: string) =>
      (await hub.query(`query($id: ID!) { person(id: $id) { testSchedule { dueOn status degree caseId result { id } } } }`, { id: personId }, token ? { token } : {})).data?.person?.testSchedule;
    const exposure = hoursAgo(30);
    const f1 = await schedule(P1!);
    expect(f1.map((s: any) => s.dueOn)).toEqual([1, 3, 7].map((d) => vietnamDatePlus(exposure, d)));
    expect(f1.every((s: any) => s.degree === 'F1' && s.caseId === first.id && s.result === null)).toBe(true);
    expect((await schedule(P2!)).map((s: any) => [s.dueOn, s.degree])).toEqual([[vietnamDatePlus(hoursAgo(20), 1), 'F2']]);
    // A province official of P1's home sees the schedule, and so does P1 (a citizen) theirs.
    expect(await schedule(P1!, await hub.token({ role: 'province_official', provinces: ['01'] }))).toHaveLength(3);
    expect(await schedule(P1!, await hub.token({ role: 'citizen', subject: P1! }))).toHaveLength(3);

    // The same batch again: duplicates, and judged again it names the same case.
    expect(await record(batch)).toMatchObject({ duplicates: 1 });
    const [resultId] = first.evidence.map((e: any) => e.id);
    expect(await evaluate(P0!, batch[0]!.sampleId)).toBe(first.id);
    expect(resultId).toBeDefined();
    // A second positive of a person with an open case opens no new case.
    const second = pcr(P0!, '79');
    await record([second]);
    expect(await evaluate(P0!, second.sampleId)).toBe(first.id);
    expect(await casesOf(P0!)).toHaveLength(1);
  });

  itWithPostgres("an F1's later positive makes a second case linked to the first; transmissionChain answers both across two provinces", async () => {
    const [firstId] = await casesOf(P0!);
    await record([pcr(P1!, '01', { collectedAt: hoursAgo(2).toISOString(), resultedAt: hoursAgo(0.5).toISOString() })]);
    const second = await waitForCase(P1!);
    expect(second).toMatchObject({ province: { code: '01' }, infectedBy: { degree: 'F1', case: { id: firstId } } });
    // P0 (the first case) and P2 (already an F2 of it) are followed in this chain: not tasked again.
    expect(second.contacts).toEqual([]);

    const CHAIN = `query($id: ID!) { transmissionChain(caseId: $id) { cases { id person { id } province { code } confirmedAt status } links { from { id } to { id } degree } generations { caseId generation } } }`;
    const asked = await hub.query(CHAIN, { id: second.id });
    expect(asked.errors).toBeUndefined();
    const chain = asked.data.transmissionChain;
    expect(chain.cases.map((c: any) => [c.id, c.province.code, c.person?.id])).toEqual([[firstId, '79', P0], [second.id, '01', P1]]);
    expect(chain.links).toEqual([{ from: { id: firstId }, to: { id: second.id }, degree: 'F1' }]);
    expect(chain.generations).toEqual([{ caseId: firstId, generation: 0 }, { caseId: second.id, generation: 1 }]);

    // An official of Bắc Ninh (24; P2 lives there, a contact of the first case) sees the first case;
    // the second one appears without personal data.
    const official24 = await hub.token({ subject: 'chain-official-24', role: 'province_official', provinces: ['24'] });
    const masked = await hub.query(CHAIN, { id: firstId }, { token: official24 });
    expect(masked.data.transmissionChain.cases.map((c: any) => [c.id, c.province.code, c.person?.id ?? null])).toEqual([[firstId, '79', P0], [second.id, '01', null]]);
    // The visible case is an audited read of its person; the masked one is not read.
    const tracingDb = hub.hub.subgraphs.find((s) => s.name === 'tracing')!.database.sql;
    const audited = await tracingDb`select person_id, outcome, fields from audit_records where subject = 'chain-official-24'`;
    expect(audited.map((r) => [r.person_id, r.outcome, r.fields])).toEqual([[P0, 'ALLOWED', ['case']]]);
    const refused = await hub.query(CHAIN, { id: second.id }, { token: official24 });
    expect(refused.data.transmissionChain).toBeNull();
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  itWithPostgres('a positive pool makes no case', async () => {
    const pool = pcr(P3!, '79', { pool: { members: [P3, P4] } });
    expect(await record([pool])).toMatchObject({ accepted: 1 });
    expect(await evaluate(P3!, pool.sampleId)).toBeNull();
    expect(await evaluate(P4!, pool.sampleId)).toBeNull();
    expect(await casesOf(P3!)).toEqual([]);
  });

  itWithPostgres('two positive rapid tests within 48 h make a case, one does not (nor two 60 h apart); an official rejects it with a reason', async () => {
    const rapid = (personId: string, hours: number) => pcr(personId, '79', { kind: 'RAPID_ANTIGEN', ctValue: undefined, collectedAt: hoursAgo(hours + 1).toISOString(), resultedAt: hoursAgo(hours).toISOString() });
    const one = rapid(P5!, 30);
    await record([one]);
    expect(await evaluate(P5!, one.sampleId)).toBeNull();
    const apart = [rapid(P6!, 70), rapid(P6!, 5)];
    await record(apart);
    expect(await evaluate(P6!, apart[1]!.sampleId)).toBeNull();
    const two = rapid(P5!, 2);
    await record([two]);
    const caseId = await evaluate(P5!, two.sampleId);
    expect(caseId).not.toBeNull();
    const answer = (await hub.query(CASE, { id: caseId })).data.case;
    expect(answer.evidence).toHaveLength(2);
    expect(await casesOf(P6!)).toEqual([]);

    const REJECT = `mutation($id: ID!, $reason: String!) { rejectCase(caseId: $id, reason: $reason) { id status rejectionReason } }`;
    const other = await hub.query(REJECT, { id: caseId, reason: 'x' }, { token: await hub.token({ role: 'province_official', provinces: ['01'] }) });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const own = await hub.query(REJECT, { id: caseId, reason: 'Kết quả test nhanh sai' }, { token: await hub.token({ role: 'province_official', provinces: ['79'] }) });
    expect(own.data.rejectCase).toEqual({ id: caseId, status: 'REJECTED', rejectionReason: 'Kết quả test nhanh sai' });
    // Judged again, the same evidence names the rejected case: no new case.
    expect(await evaluate(P5!, two.sampleId)).toBe(caseId);
    expect(await casesOf(P5!)).toHaveLength(1);
  });
});
