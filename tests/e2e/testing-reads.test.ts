import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { vietnamDatePlus } from '../../subgraphs/testing/confirmation.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { loadWorld, type SmallWorld } from '../support/tracing-data.ts';

// Labs are partners: they run registered operations only.
const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted rejected { index code } } }`;
const LAB_SITE = /* GraphQL */ `query LabSite($date: String!) { province(code: "01") { testingSites { id results(date: $date) { id } } } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const codes = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) => (errors ?? []).map((e) => e.extensions?.code);
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
const SITE_01 = { province: '01', id: demoId('testingSite', '01', 1) };
const SITE_79 = { province: '79', id: demoId('testingSite', '79', 1) };

const CONFIRM = /* GraphQL */ `mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { ... on CaseConfirmed { case { id } } } }`;
const SCHEDULE_FIELDS = 'dueOn status degree caseId contactId person { id } contact { id } result { id }';
const CONTACT_SCHEDULE = `query($id: ID!) { case(id: $id) { contacts { id person { id } testSchedule { ${SCHEDULE_FIELDS} } } } }`;
const TASK_SCHEDULE = `query { province(code: "01") { tracingTasks { contact { id } person { id } testSchedule { ${SCHEDULE_FIELDS} } } } }`;
const PROVINCE_DAY = `query($code: ID!, $date: String!) { province(code: $code) { testingSchedule(date: $date) { ${SCHEDULE_FIELDS} } } }`;
const SITE_DAY = `query($code: ID!, $date: String!) { province(code: $code) { testingSites { id results(date: $date) { sampleId result person { id } }
  summary(date: $date) { date total positive negative inconclusive invalid retestRequired } } } }`;
// Without contact (cases:read, which a citizen lacks: the gateway would prune it with an error of its own).
const PROVINCE_DAY_BARE = `query($code: ID!, $date: String!) { province(code: $code) { testingSchedule(date: $date) { dueOn person { id } } } }`;
const TRAIL = `query($id: ID!) { testResultAuditTrail(personId: $id) { personId subject role fields outcome } }`;

/**
 * The read side of testing through the real hub: schedules with the contact and with the tracing
 * task (in the contact's home province's shard), a province's testing list for a day, a testing
 * site's results and counts for a day, and the audit trail of these reads. Each for the callers
 * who may, refused (null with FORBIDDEN) for those who may not.
 *
 * The world: P0 (Hồ Chí Minh, 79) met P1 (Hà Nội, 01) 30 hours ago; P0's case (confirmed by 79)
 * has P1 as its F1, tasked in 01 with tests on days 1, 3 and 7 after the exposure.
 */
describe('testing reads: schedules, testing lists, site days, audit trail', () => {
  let hub: TestHub;
  let lab: string;
  let caseId: string;
  let contactId: string;
  const [P0, P1, P3] = [randomUUID(), randomUUID(), randomUUID()];
  const exposure = hoursAgo(30);
  const dueDays = [1, 3, 7].map((d) => vietnamDatePlus(exposure, d));
  const venue = randomUUID();
  const world: SmallWorld = {
    people: [
      { id: P0, provinceCode: '79', wardCode: '26740' },
      { id: P1, provinceCode: '01', wardCode: '00004' },
      { id: P3, provinceCode: '01', wardCode: '00004' },
    ],
    venues: [venue],
    checkIns: [
      { id: randomUUID(), personId: P0, venueId: venue, in: exposure, out: hoursAgo(29) },
      { id: randomUUID(), personId: P1, venueId: venue, in: exposure, out: hoursAgo(29) },
    ],
  };
  const token = {
    official01: () => hub.token({ role: 'province_official', provinces: ['01'] }),
    official79: () => hub.token({ role: 'province_official', provinces: ['79'] }),
    tracer01: () => hub.token({ role: 'tracer', provinces: ['01'] }),
  };
  const asLab = async (document: string, variables: Record<string, unknown>, bearer = lab) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ documentId: `sha256:${sha256(document)}`, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ extensions?: Record<string, unknown> }> };
  };
  /** A person's audit trail of test reads, as a national official holding audit:read. */
  const trailOf = async (personId: string) => {
    const answer = await hub.query(TRAIL, { id: personId }, { token: await hub.token({ scopes: ['audit:read'] }) });
    expect(answer.errors).toBeUndefined();
    return answer.data.testResultAuditTrail as Array<{ personId: string; subject: string; role: string; fields: string[]; outcome: string }>;
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testing-reads-'));
    const operations = [
      { id: sha256(RECORD), name: 'RecordTestResults', type: 'mutation', body: RECORD },
      { id: sha256(LAB_SITE), name: 'LabSite', type: 'query', body: LAB_SITE },
    ];
    writeFileSync(join(dir, 'lab-r.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
    hub = await startTestHub({ seedDemo: true, trustedDocumentsDir: dir, retry: { baseDelayMs: 100, maxDelayMs: 500 } });
    await loadWorld(hub.hub, world);
    lab = await hub.token({ subject: 'lab-r', role: 'partner', scopes: ['tests:write'] });

    const confirmed = await hub.query(CONFIRM, { input: { personId: P0, province: '79', confirmedAt: hoursAgo(1).toISOString() } });
    expect(confirmed.errors).toBeUndefined();
    caseId = confirmed.data.confirmCase.case.id;
    // expect.poll is for tests only: the run is awaited by hand.
    const runStatus = async () => (await hub.query(`query($id: ID!) { case(id: $id) { run { status } } }`, { id: caseId })).data?.case?.run?.status;
    for (let waited = 0; (await runStatus()) !== 'SUCCEEDED'; waited += 100) {
      if (waited > 30_000) throw new Error('the tracing run did not succeed within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const contacts = (await hub.query(CONTACT_SCHEDULE, { id: caseId })).data.case.contacts;
    expect(contacts.map((c: any) => c.person.id)).toEqual([P1]);
    contactId = contacts[0].id;
  });
  afterAll(() => hub?.stop());

  itWithPostgres("the schedule is visible with the contact and with the tracing task in the contact's home province, and turns DONE as a result arrives", async () => {
    const expected = (status: (dueOn: string) => string) =>
      dueDays.map((dueOn) => ({ dueOn, status: status(dueOn), degree: 'F1', caseId, contactId, person: { id: P1 }, contact: { id: contactId }, result: null }));
    const today = vietnamDatePlus(new Date(), 0);
    const before = (dueOn: string) => (dueOn < today ? 'OVERDUE' : 'DUE');

    const viaContact = await hub.query(CONTACT_SCHEDULE, { id: caseId });
    expect(viaContact.errors).toBeUndefined();
    expect(viaContact.data.case.contacts[0].testSchedule).toEqual(expected(before));
    // The official of 01 (P1's home) sees the task and its schedule in the 01 shard, and so does its tracer.
    for (const t of [await token.official01(), await token.tracer01()]) {
      const viaTask = await hub.query(TASK_SCHEDULE, {}, { token: t });
      expect(viaTask.errors).toBeUndefined();
      const task = viaTask.data.province.tracingTasks.find((k: any) => k.contact.id === contactId);
      expect(task).toMatchObject({ person: { id: P1 }, testSchedule: expected(before) });
    }
    // The official of 79 sees P0's case and its contact (tracing's rules), not the schedule of someone living in 01.
    const from79 = await hub.query(CONTACT_SCHEDULE, { id: caseId }, { token: await token.official79() });
    expect(from79.errors).toBeUndefined();
    expect(from79.data.case.contacts[0]).toMatchObject({ id: contactId, testSchedule: [] });

    // P1 tested now at a site of 01: the day-1 test (today or before) is DONE, later ones still DUE.
    const collectedAt = new Date(Date.now() - 5 * 60_000);
    expect(await asLab(RECORD, { results: [{ sampleId: `R-${randomUUID()}`, personId: P1, kind: 'PCR', result: 'NEGATIVE', collectedAt: collectedAt.toISOString(), resultedAt: new Date().toISOString(), testingSite: SITE_01 }] }))
      .toMatchObject({ data: { recordTestResults: { accepted: 1, rejected: [] } } });
    const after = (await hub.query(TASK_SCHEDULE, {}, { token: await token.official01() })).data.province.tracingTasks.find((k: any) => k.contact.id === contactId);
    const collectedDay = vietnamDatePlus(collectedAt, 0);
    expect(after.testSchedule.map((s: any) => [s.dueOn, s.status, s.result !== null])).toEqual(
      dueDays.map((dueOn) => (dueOn <= collectedDay ? [dueOn, 'DONE', true] : [dueOn, before(dueOn), false])),
    );
    expect(after.testSchedule[0].status).toBe('DONE');

    // Each read named P1 in the testing audit trail (the official's and the tracer's too).
    const trail = await trailOf(P1);
    expect(trail.filter((r) => r.fields.includes('testSchedule') && r.outcome === 'ALLOWED').map((r) => r.role)).toEqual(
      expect.arrayContaining(['national_official', 'province_official', 'tracer']),
    );
  });

  itWithPostgres("Province.testingSchedule lists the day's tests of the province's contacts, for its officials and tracers only", async () => {
    // Two more contacts of 01 and one of 79 scheduled by the tracing service: one whose day passed.
    const service = await hub.token({ role: 'service', subject: 'tracing-worker' });
    const P2 = randomUUID();
    const [c2, c79] = [randomUUID(), randomUUID()];
    const tenDaysAgo = hoursAgo(240);
    const SCHEDULE = `mutation($inputs: [ScheduleTestsInput!]!) { scheduleTests(inputs: $inputs) { scheduled } }`;
    const scheduled = await hub.query(SCHEDULE, { inputs: [
      { contactId: c2, caseId, personId: P2, degree: 'F2', exposedAt: tenDaysAgo.toISOString(), days: [1], homeProvince: '01' },
      { contactId: c79, caseId, personId: randomUUID(), degree: 'F1', exposedAt: tenDaysAgo.toISOString(), days: [1], homeProvince: '79' },
    ] }, { token: service });
    expect(scheduled.data?.scheduleTests).toEqual({ scheduled: 2 });

    const oldDay = vietnamDatePlus(tenDaysAgo, 1);
    const day = async (code: string, date: string, t?: string) => hub.query(PROVINCE_DAY, { code, date }, t ? { token: t } : {});
    const old = await day('01', oldDay, await token.official01());
    expect(old.errors).toBeUndefined();
    expect(old.data.province.testingSchedule.filter((s: any) => s.person.id === P2 || s.person.id === P1)).toEqual([{ dueOn: oldDay, status: 'OVERDUE', degree: 'F2', caseId, contactId: c2, person: { id: P2 }, contact: { id: c2 }, result: null }]);

    // P1's day-1 test is on 01's list for that day (DONE since the previous test's result), for the
    // province's tracer and a national official alike; 79's contact is not on it. (The demo data
    // may schedule other people of 01 on the same day: only this world's people are compared.)
    const ours = new Set([P1, P2]);
    for (const t of [await token.tracer01(), undefined]) {
      const list = (await day('01', dueDays[0]!, t)).data.province.testingSchedule;
      expect(list.every((s: any) => s.dueOn === dueDays[0])).toBe(true);
      expect(list.filter((s: any) => ours.has(s.person.id))).toEqual([expect.objectContaining({ person: { id: P1 }, contactId, dueOn: dueDays[0], status: 'DONE', degree: 'F1' })]);
    }
    expect((await day('79', oldDay)).data.province.testingSchedule.map((s: any) => s.contactId)).toContain(c79);
    // Pages of the list: one test at a time, the same tests in the same order.
    const whole = (await day('01', oldDay)).data.province.testingSchedule.map((s: any) => s.contactId);
    const PAGED = `query($date: String!, $offset: Int!) { province(code: "01") { testingSchedule(date: $date, limit: 1, offset: $offset) { contactId } } }`;
    const paged: string[] = [];
    for (let offset = 0; offset <= whole.length; offset++) paged.push(...(await hub.query(PAGED, { date: oldDay, offset })).data.province.testingSchedule.map((s: any) => s.contactId));
    expect(paged).toEqual(whole);
    expect(codes((await hub.query(`query { province(code: "01") { testingSchedule(date: "${oldDay}", limit: 1001) { dueOn } } }`)).errors)).toEqual(['BAD_USER_INPUT']);
    expect((await day('01', oldDay)).data.province.testingSchedule.map((s: any) => s.contactId)).not.toContain(c79);

    // Another province's official, a citizen: null with FORBIDDEN.
    for (const t of [await token.official79(), await hub.token({ role: 'citizen', subject: P2 })]) {
      const refused = await hub.query(PROVINCE_DAY_BARE, { code: '01', date: oldDay }, { token: t });
      expect(refused.data?.province?.testingSchedule).toBeNull();
      expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
    }
    // A day that is not one: BAD_USER_INPUT.
    const bad = await day('01', '2026-02-30');
    expect(bad.data?.province?.testingSchedule).toBeNull();
    expect(codes(bad.errors)).toEqual(['BAD_USER_INPUT']);

    const trail = await trailOf(P2);
    expect(trail.map((r) => [r.role, r.fields, r.outcome])).toEqual(expect.arrayContaining([['province_official', ['testingSchedule'], 'ALLOWED']]));
  });

  itWithPostgres("TestingSite.results and summary give a site's day to the province's officials, refused to others", async () => {
    const collectedAt = new Date(Date.now() - 10 * 60_000);
    const date = vietnamDatePlus(collectedAt, 0);
    const row = (personId: string, result: string, site = SITE_01, patch: Record<string, unknown> = {}) => ({
      sampleId: `S-${randomUUID()}`, personId, kind: 'RAPID_ANTIGEN', result, collectedAt: collectedAt.toISOString(), resultedAt: new Date().toISOString(), testingSite: site, ...patch,
    });
    const rows = [
      row(P3, 'INCONCLUSIVE'),
      row(P3, 'INVALID'),
      row(P3, 'NEGATIVE', SITE_01, { kind: 'PCR', pool: { members: [P3, P0] } }),
      row(P0, 'NEGATIVE', SITE_79),
      // Yesterday (Vietnam time) at the same site: not this day.
      row(P3, 'NEGATIVE', SITE_01, { collectedAt: new Date(new Date(`${date}T00:00:00+07:00`).getTime() - 60_000).toISOString() }),
    ];
    expect((await asLab(RECORD, { results: rows })).data.recordTestResults).toEqual({ accepted: 5, rejected: [] });

    const siteDay = async (code: string, t?: string) => {
      const answer = await hub.query(SITE_DAY, { code, date }, t ? { token: t } : {});
      return { answer, site: answer.data?.province?.testingSites?.find((s: any) => s.id === (code === '01' ? SITE_01.id : SITE_79.id)) };
    };
    for (const t of [undefined, await token.official01(), await token.tracer01()]) {
      const { answer, site } = await siteDay('01', t);
      expect(answer.errors).toBeUndefined();
      // The earlier test of P1 (the first test) plus these three rows, the pool once per member.
      const results = site.results.map((r: any) => [r.person.id, r.result]);
      expect(results).toEqual(expect.arrayContaining([[P1, 'NEGATIVE'], [P3, 'INCONCLUSIVE'], [P3, 'INVALID'], [P3, 'NEGATIVE'], [P0, 'NEGATIVE']]));
      expect(results).toHaveLength(5);
      expect(site.summary).toEqual({ date, total: 5, positive: 0, negative: 3, inconclusive: 1, invalid: 1, retestRequired: 0 });
    }
    expect((await siteDay('79')).site.summary).toMatchObject({ total: 1, negative: 1 });

    // Another province's official and a citizen: the site itself (public) answers, its day does not.
    for (const t of [await token.official79(), await hub.token({ role: 'citizen', subject: P3 })]) {
      const { answer, site } = await siteDay('01', t);
      expect(site).toMatchObject({ id: SITE_01.id, results: null, summary: null });
      expect(new Set(codes(answer.errors))).toEqual(new Set(['FORBIDDEN']));
    }
    // A lab reads no results, not even through its own registered operation holding tests:read.
    const labRead = await asLab(LAB_SITE, { date }, await hub.token({ subject: 'lab-r', role: 'partner', scopes: ['tests:write', 'tests:read'] }));
    expect(labRead.data.province.testingSites.every((s: any) => s.results === null)).toBe(true);
    expect(new Set(codes(labRead.errors))).toEqual(new Set(['FORBIDDEN']));

    const trail = await trailOf(P3);
    expect(trail.filter((r) => r.fields.includes('siteResults')).map((r) => r.role)).toEqual(expect.arrayContaining(['national_official', 'province_official', 'tracer']));

    // Pages: limit and offset walk the same list in the same order; a page beyond it is empty.
    const PAGE = `query($date: String!, $limit: Int!, $offset: Int!) { province(code: "01") { testingSites { id results(date: $date, limit: $limit, offset: $offset) { id } } } }`;
    const page = async (limit: number, offset: number) => {
      const answer = await hub.query(PAGE, { date, limit, offset });
      expect(answer.errors).toBeUndefined();
      return answer.data.province.testingSites.find((s: any) => s.id === SITE_01.id).results.map((r: any) => r.id);
    };
    const whole = await page(1000, 0);
    expect(whole).toHaveLength(5);
    expect([...(await page(2, 0)), ...(await page(2, 2)), ...(await page(2, 4))]).toEqual(whole);
    expect(await page(2, 5)).toEqual([]);
    for (const [limit, offset] of [[0, 0], [1001, 0], [10, -1]]) {
      const refused = await hub.query(PAGE, { date, limit, offset });
      expect(codes(refused.errors)).toContain('BAD_USER_INPUT');
    }
  });

  itWithPostgres("testResultAuditTrail is for national officials and officials who may see the person's tests, holding audit:read", async () => {
    // A refused read of P1's result is DENIED in the trail.
    const [result] = (await hub.query(`query($id: ID!) { person(id: $id) { testResults { id } } }`, { id: P1 })).data.person.testResults;
    const citizen = await hub.token({ role: 'citizen', subject: P3 });
    const refused = await hub.query(`query($id: ID!) { testResult(id: $id) { id } }`, { id: result.id }, { token: citizen });
    expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
    const trail = await trailOf(P1);
    expect(trail[0]).toMatchObject({ personId: P1, subject: P3, role: 'citizen', fields: ['testResult'], outcome: 'DENIED' });
    expect(trail.some((r) => r.fields.includes('testResults') && r.role === 'national_official')).toBe(true);

    const ask = (t: string) => hub.query(TRAIL, { id: P1 }, { token: t });
    // An official of 01 (P1 lives there and was tested there) with audit:read may read it.
    const own = await ask(await hub.token({ role: 'province_official', provinces: ['01'], scopes: ['audit:read'] }));
    expect(own.errors).toBeUndefined();
    // Reading a trail is no read of tests: the official sees the same records.
    expect(own.data.testResultAuditTrail).toEqual(trail);
    // An official of 24 (nothing of P1 there), even with audit:read, and a tracer of 01: FORBIDDEN.
    for (const t of [await hub.token({ role: 'province_official', provinces: ['24'], scopes: ['audit:read'] }), await hub.token({ role: 'tracer', provinces: ['01'], scopes: ['audit:read'] })]) {
      const answer = await ask(t);
      expect(answer.data?.testResultAuditTrail ?? null).toBeNull();
      expect(codes(answer.errors)).toEqual(['FORBIDDEN']);
    }
    // Without audit:read the gateway refuses before planning.
    const unscoped = await ask(await token.official01());
    expect(unscoped.data?.testResultAuditTrail ?? null).toBeNull();
    expect(unscoped.errors?.length).toBeGreaterThan(0);
    // A malformed person id: BAD_USER_INPUT.
    expect(codes((await hub.query(TRAIL, { id: 'nobody' }, { token: await hub.token({ scopes: ['audit:read'] }) })).errors)).toEqual(['BAD_USER_INPUT']);
  });
});
