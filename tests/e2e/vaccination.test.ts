import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AGE_GROUPS } from '../../subgraphs/shared/age-groups.ts';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { importPopulation, parsePopulation } from '../../subgraphs/units/import.ts';
import { CoverageRepository, DoseRepository } from '../../subgraphs/vaccination/repositories/index.ts';
import type { DoseRecord } from '../../subgraphs/vaccination/validation.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

const { ha: HA, binh: BINH } = DEMO_PEOPLE;

// Vaccination sites are partners: they run registered operations only (gateway/trusted-documents.ts).
const RECORD = /* GraphQL */ `mutation RecordVaccinations($doses: [DoseInput!]!) { recordVaccinations(doses: $doses) { accepted duplicates rejected { index recordId code field candidates } } }`;
const SITE_READ = /* GraphQL */ `query SiteRead($id: ID!, $personId: ID!) { dose(id: $id) { doseNumber } person(id: $personId) { vaccinations { id } vaccinationStatus } }`;
const REPORT = /* GraphQL */ `mutation ReportAdverseEvent($input: AdverseEventInput!) { reportAdverseEvent(input: $input) { id severity } }`;
const COVERAGE = /* GraphQL */ `query($province: ID, $ward: ID, $ageGroup: String) { vaccinationCoverage(province: $province, ward: $ward, ageGroup: $ageGroup) { areaCode ageGroup atLeastOneDose full boosted } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const codes = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) => (errors ?? []).map((e) => e.extensions?.code);

function trustedDocumentsFor(clients: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'vaccination-documents-'));
  const operations = [
    { id: sha256(RECORD), name: 'RecordVaccinations', type: 'mutation', body: RECORD },
    { id: sha256(SITE_READ), name: 'SiteRead', type: 'query', body: SITE_READ },
    { id: sha256(REPORT), name: 'ReportAdverseEvent', type: 'mutation', body: REPORT },
  ];
  for (const client of clients) writeFileSync(join(dir, `${client}.json`), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
  return dir;
}

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
let seq = 0;
/** A valid row: a first Comirnaty dose, a month ago, to a resident of Phường Ngọc Hà (01) born in 1990. */
const row = (patch: Record<string, unknown> = {}) => ({
  recordId: `R-${Date.now()}-${++seq}`,
  personId: randomUUID(),
  product: 'COMIRNATY',
  doseNumber: 1,
  administeredAt: daysAgo(30),
  lot: 'FK1234',
  wardCode: '00008',
  birthYear: 1990,
  ...patch,
});

interface Counts { atLeastOneDose: number; full: number; boosted: number }
type Status = 'NONE' | 'PARTIAL' | 'FULL' | 'BOOSTED';

/**
 * The vaccination subgraph through the real hub: sites (partners) upload doses by registered
 * operation; statuses and coverage follow; reads follow the trust rules of health data.
 */
describe('vaccination: doses, status, coverage, who reads them', () => {
  let hub: TestHub;
  let sql: postgres.Sql;
  let site: string;

  const asSite = async (token: string, document: string, variables: Record<string, unknown>) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documentId: `sha256:${sha256(document)}`, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  };
  const record = async (doses: unknown[], token = site) => {
    const response = await asSite(token, RECORD, { doses });
    expect(response.errors).toBeUndefined();
    return response.data.recordVaccinations as { accepted: number; duplicates: number; rejected: Array<{ index: number; recordId: string; code: string; field: string; candidates: string[] | null }> };
  };
  const coverage = async (args: { province?: string; ward?: string; ageGroup?: string }, token?: string): Promise<Counts> => {
    const response = await hub.query(COVERAGE, args, token ? { token } : {});
    expect(response.errors).toBeUndefined();
    const { atLeastOneDose, full, boosted } = response.data.vaccinationCoverage;
    return { atLeastOneDose, full, boosted };
  };
  const statusOf = async (personId: string, token?: string) => {
    const response = await hub.query(`query($id: ID!) { person(id: $id) { vaccinationStatus vaccinations { doseNumber product { code dosesInPrimarySeries } lot residenceWard { code name } } } }`, { id: personId }, token ? { token } : {});
    expect(response.errors).toBeUndefined();
    return response.data.person as { vaccinationStatus: Status; vaccinations: Array<{ doseNumber: number; product: { code: string }; residenceWard: { code: string; name: string } }> };
  };
  const storedDoses = async () => (await sql`select count(*)::int as n from doses`)[0]!.n as number;

  beforeAll(async () => {
    // A body large enough for an upload over the row limit.
    hub = await startTestHub({ trustedDocumentsDir: trustedDocumentsFor(['site-a', 'site-b']), maxBodyBytes: 4_000_000 });
    sql = hub.hub.subgraphs.find((s) => s.name === 'vaccination')!.database.sql;
    site = await hub.token({ subject: 'site-a', role: 'partner', scopes: ['vaccinations:write'] });
    // The pre-2025 wards the tests name, as `npm run units:import -- --legacy` writes them (the real
    // mapping: Đa Kao split into Tân Định and Sài Gòn; Phúc Xá became part of Ba Đình).
    const units = hub.hub.subgraphs.find((s) => s.name === 'units')!.database.sql;
    await units`insert into legacy_units (code, name, kind, level) values ('26737', 'Phường Đa Kao', 'Phường', 'ward'), ('00001', 'Phường Phúc Xá', 'Phường', 'ward') on conflict do nothing`;
    await units`insert into legacy_ward_successors (old_ward_code, new_ward_code) values ('26737', '26737'), ('26737', '26740'), ('00001', '00004') on conflict do nothing`;
  });
  afterAll(() => hub?.stop());

  itWithPostgres('the catalogue is data: every product with the doses of its primary series', async () => {
    const response = await hub.query(`{ vaccineProducts { code dosesInPrimarySeries } vaccinationAgeGroups { code minAge maxAge } }`);
    expect(response.errors).toBeUndefined();
    const products = Object.fromEntries(response.data.vaccineProducts.map((p: { code: string; dosesInPrimarySeries: number }) => [p.code, p.dosesInPrimarySeries]));
    expect(products).toEqual({ ABDALA: 3, COMIRNATY: 2, COVILO: 2, JANSSEN: 1, SPIKEVAX: 2, SPUTNIK_V: 2, VAXZEVRIA: 2 });
    expect(response.data.vaccinationAgeGroups.map((g: { code: string }) => g.code)).toEqual(AGE_GROUPS.map((g) => g.code));
  });

  itWithPostgres('a batch of doses: the status follows the schedule and coverage counts the person once', async () => {
    // Hà (ward 27343, province 79) has no dose in the demo data.
    expect((await statusOf(HA.id)).vaccinationStatus).toBe('NONE');
    const ward = { ward: HA.wardCode };
    const before = await coverage(ward);
    const mine = (n: number, product: string, days: number) => row({ personId: HA.id, doseNumber: n, product, administeredAt: daysAgo(days), wardCode: HA.wardCode, birthYear: HA.birthYear });
    expect(await record([mine(1, 'ABDALA', 200)])).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await statusOf(HA.id)).vaccinationStatus).toBe('PARTIAL');
    expect(await coverage(ward)).toEqual({ ...before, atLeastOneDose: before.atLeastOneDose + 1 });
    // Abdala needs three doses: a second (of another product: mixing counts) is still partial.
    await record([mine(2, 'COMIRNATY', 150)]);
    expect((await statusOf(HA.id)).vaccinationStatus).toBe('PARTIAL');
    await record([mine(3, 'ABDALA', 100)]);
    expect((await statusOf(HA.id)).vaccinationStatus).toBe('FULL');
    expect(await coverage(ward)).toEqual({ atLeastOneDose: before.atLeastOneDose + 1, full: before.full + 1, boosted: before.boosted });
    await record([mine(4, 'SPIKEVAX', 10)]);
    const after = await statusOf(HA.id);
    expect(after.vaccinationStatus).toBe('BOOSTED');
    expect(after.vaccinations.map((d) => [d.doseNumber, d.product.code])).toEqual([[1, 'ABDALA'], [2, 'COMIRNATY'], [3, 'ABDALA'], [4, 'SPIKEVAX']]);
    expect(after.vaccinations[0]!.residenceWard).toEqual({ code: HA.wardCode, name: 'Phường Chợ Lớn' });
    expect(await coverage(ward)).toEqual({ atLeastOneDose: before.atLeastOneDose + 1, full: before.full + 1, boosted: before.boosted + 1 });
    // The province and the nation counted her once too, in her age group only.
    const age = new Date().getUTCFullYear() - HA.birthYear;
    const group = AGE_GROUPS.find((g) => age >= g.minAge && (g.maxAge === null || age <= g.maxAge))!;
    const other = AGE_GROUPS.find((g) => g !== group)!;
    const { boosted } = await coverage({ province: '79', ageGroup: group.code });
    expect(boosted).toBeGreaterThanOrEqual(1);
    expect((await coverage({ ward: HA.wardCode, ageGroup: other.code })).atLeastOneDose).toBe(0);
  });

  itWithPostgres('the same batch sent twice stores nothing new', async () => {
    const batch = [row(), row({ product: 'JANSSEN' }), row({ personId: BINH.id, doseNumber: 5, wardCode: BINH.wardCode })];
    const nation = await coverage({});
    expect(await record(batch)).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const dosesAfter = await storedDoses();
    const nationAfter = await coverage({});
    expect(nationAfter.atLeastOneDose).toBe(nation.atLeastOneDose + 2);
    expect(await record(batch)).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect(await storedDoses()).toBe(dosesAfter);
    expect(await coverage({})).toEqual(nationAfter);
    // Another site's record ids are its own: the same id from site-b is a new dose.
    const siteB = await hub.token({ subject: 'site-b', role: 'partner', scopes: ['vaccinations:write'] });
    expect(await record([{ ...batch[0], personId: randomUUID() }], siteB)).toMatchObject({ accepted: 1 });
  });

  itWithPostgres('a retry that adds new rows stores, counts and reports only the new ones; the same new batch twice at once is stored once', async () => {
    // Doses counted by analytics (the doses.tallied events, relayed): once at least `expected` arrived, the count.
    const analytics = hub.hub.subgraphs.find((s) => s.name === 'analytics')!.database.sql;
    const counted = async () => (await analytics`select coalesce(sum(value), 0)::int as n from daily_rollups where province = '*' and ward = '*' and metric = 'doses_given'`)[0]!.n as number;
    const events = async (expected = 0) => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) if ((await counted()) >= expected) break;
      return counted();
    };
    const sent = [row(), row()];
    expect(await record(sent)).toMatchObject({ accepted: 2, duplicates: 0 });
    const [dosesBefore, nationBefore, eventsBefore] = [await storedDoses(), await coverage({}), await events(await storedDoses())];
    // The first two again (stored before: the general path), two new people, and a second dose of the first person.
    const retry = [...sent, row(), row(), row({ personId: sent[0]!.personId, doseNumber: 2, administeredAt: daysAgo(5) })];
    expect(await record(retry)).toEqual({ accepted: 3, duplicates: 2, rejected: [] });
    expect(await storedDoses()).toBe(dosesBefore + 3);
    expect(await events(eventsBefore + 3)).toBe(eventsBefore + 3);
    const nation = await coverage({});
    expect(nation.atLeastOneDose).toBe(nationBefore.atLeastOneDose + 2);
    expect(nation.full).toBe(nationBefore.full + 1);

    // Two uploads of the same new rows at once: one stores them, the other waits for its commit and reports duplicates.
    const twice = [row(), row(), row()];
    const [a, b] = await Promise.all([record(twice), record(twice)]);
    expect([a.accepted, b.accepted].sort()).toEqual([0, 3]);
    expect([a.duplicates, b.duplicates].sort()).toEqual([0, 3]);
    expect(await storedDoses()).toBe(dosesBefore + 6);
    expect(await events(eventsBefore + 6)).toBe(eventsBefore + 6);
    expect((await coverage({})).atLeastOneDose).toBe(nation.atLeastOneDose + 3);
  });

  itWithPostgres('without a reserved connection (a handle that is not a postgres.js pool) an upload is one INSERT … ON CONFLICT with the same outcomes, events and rollups', async () => {
    const vaccination = hub.hub.subgraphs.find((s) => s.name === 'vaccination')!;
    // The same drizzle handle with no pool to reserve from: DoseRepository takes its general path.
    const db = Object.create(vaccination.database.db as object, { $client: { value: {} } });
    const doses = new DoseRepository(db as never);
    const dose = (patch: Partial<DoseRecord> = {}): DoseRecord => ({
      source: 'site-unreserved', recordId: `U-${++seq}`, personId: randomUUID(), productCode: 'JANSSEN', doseNumber: 1, lot: null, administeredAt: new Date(Date.now() - 86_400_000),
      siteProvinceCode: null, siteId: null, wardCode: '00008', provinceCode: '01', legacyWardCode: null, birthYear: 1970, ...patch,
    });
    const first = [dose(), dose()];
    const [before, nation] = [await storedDoses(), await coverage({})];
    expect(await doses.record(first)).toEqual(['accepted', 'accepted']);
    expect(await doses.record([first[0]!, dose(), { ...first[1]!, lot: 'OTHER' }])).toEqual(['duplicate', 'accepted', 'conflict']);
    expect(await storedDoses()).toBe(before + 3);
    const after = await coverage({});
    expect(after.atLeastOneDose).toBe(nation.atLeastOneDose + 3);
    expect(after.full).toBe(nation.full + 3); // Janssen: one dose is the full series
  });

  itWithPostgres("record ids and lots with COPY's special characters are stored as sent, and are duplicates when sent again", async () => {
    const odd = row({ recordId: `R\\N\t${Date.now()}\\x\n2`, lot: 'L\\N\tA\r\\' });
    expect(await record([odd])).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await sql`select lot from doses where record_id = ${odd.recordId}`).map((r) => r.lot)).toEqual(['L\\N\tA\r\\']);
    expect(await record([odd])).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
  });

  itWithPostgres('bad rows are reported by index with a code; the good ones are stored, nothing of the bad', async () => {
    const good = [row(), row()];
    const reused = row();
    await record([reused]);
    const before = await storedDoses();
    const result = await record([
      row({ personId: 'not-a-uuid' }),
      good[0],
      row({ product: 'SINOVAC' }),
      row({ doseNumber: 0 }),
      row({ birthYear: null }),
      row({ administeredAt: new Date(Date.now() + 86_400_000).toISOString() }),
      row({ wardCode: '99999' }),
      row({ wardCode: null }),
      row({ site: { province: '7', id: randomUUID() } }),
      { ...reused, lot: 'OTHER' },
      good[1],
    ]);
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [0, 'BAD_ROW', 'personId'],
      [2, 'UNKNOWN_PRODUCT', 'product'],
      [3, 'BAD_ROW', 'doseNumber'],
      [4, 'BAD_ROW', 'birthYear'],
      [5, 'TIME_IN_FUTURE', 'administeredAt'],
      [6, 'UNKNOWN_WARD', 'wardCode'],
      [7, 'BAD_ROW', 'wardCode'],
      [8, 'UNKNOWN_VACCINATION_SITE', 'site'],
      [9, 'RECORD_ID_CONFLICT', 'recordId'],
    ]);
    expect(await storedDoses()).toBe(before + 2);
    expect((await sql`select lot from doses where record_id = ${reused.recordId}`).map((r) => r.lot)).toEqual(['FK1234']);
    // More than 5000 rows: refused whole, nothing stored.
    const tooMany = await asSite(site, RECORD, { doses: Array.from({ length: 5001 }, () => row()) });
    expect(codes(tooMany.errors)).toEqual(['BAD_USER_INPUT']);
    expect(await storedDoses()).toBe(before + 2);
  });

  itWithPostgres('a pre-2025 ward code is mapped to the current ward; a split one is refused with its candidates', async () => {
    const mapped = row({ wardCode: null, legacyWardCode: '00001' });
    const split = row({ wardCode: null, legacyWardCode: '26737' });
    const unknown = row({ wardCode: null, legacyWardCode: '99998' });
    const result = await record([mapped, split, unknown]);
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([
      { index: 1, recordId: split.recordId, code: 'AMBIGUOUS_LEGACY_WARD', field: 'legacyWardCode', candidates: ['26737', '26740'] },
      { index: 2, recordId: unknown.recordId, code: 'UNKNOWN_WARD', field: 'legacyWardCode', candidates: null },
    ]);
    const [stored] = await sql`select ward_code, province_code, legacy_ward_code from doses where record_id = ${mapped.recordId}`;
    expect(stored).toEqual({ ward_code: '00004', province_code: '01', legacy_ward_code: '00001' });
    expect(await sql`select 1 from doses where record_id = any(${[split.recordId, unknown.recordId]})`).toHaveLength(0);
  });

  itWithPostgres('a site cannot read doses: without vaccinations:read at the gateway, with it in the subgraph', async () => {
    const dose = row({ personId: BINH.id, doseNumber: 6, wardCode: BINH.wardCode });
    await record([dose]);
    const [stored] = await sql`select id from doses where record_id = ${dose.recordId}`;
    const plain = await asSite(site, SITE_READ, { id: stored!.id, personId: BINH.id });
    expect(plain.data?.dose ?? null).toBeNull();
    expect(codes(plain.errors)).toContain('FORBIDDEN');
    const scoped = await hub.token({ subject: 'site-a', role: 'partner', scopes: ['vaccinations:write', 'vaccinations:read', 'people:read'] });
    const reading = await asSite(scoped, SITE_READ, { id: stored!.id, personId: BINH.id });
    expect(reading.data.dose).toBeNull();
    expect(reading.data.person.vaccinations).toBeNull();
    expect(reading.data.person.vaccinationStatus).toBeNull();
    expect(codes(reading.errors)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });

  itWithPostgres('an adverse event is reported by the site that gave the dose, not by another; officials read it on the dose', async () => {
    const given = row({ administeredAt: daysAgo(2) });
    await record([given]);
    const [stored] = await sql`select id from doses where record_id = ${given.recordId}`;
    const input = { doseId: stored!.id, occurredAt: daysAgo(1), severity: 'MODERATE', description: 'Sốt cao 39°C, đau cơ' };
    const reported = await asSite(site, REPORT, { input });
    expect(reported.errors).toBeUndefined();
    expect(reported.data.reportAdverseEvent).toMatchObject({ severity: 'MODERATE' });
    const siteB = await hub.token({ subject: 'site-b', role: 'partner', scopes: ['vaccinations:write'] });
    expect(codes((await asSite(siteB, REPORT, { input })).errors)).toEqual(['FORBIDDEN']);
    expect(codes((await asSite(site, REPORT, { input: { ...input, occurredAt: daysAgo(3) } })).errors)).toEqual(['BAD_USER_INPUT']);
    const read = await hub.query(`query($id: ID!) { dose(id: $id) { adverseEvents { severity description } } }`, { id: stored!.id });
    expect(read.data.dose.adverseEvents).toEqual([{ severity: 'MODERATE', description: 'Sốt cao 39°C, đau cơ' }]);
  });

  itWithPostgres('a citizen sees only their own doses; reads are audited', async () => {
    const citizen = await hub.token({ subject: BINH.id, role: 'citizen' });
    const own = await statusOf(BINH.id, citizen);
    expect(own.vaccinationStatus).toBe('BOOSTED');
    expect(own.vaccinations.length).toBeGreaterThanOrEqual(2);
    const [other] = await sql`select id from doses where person_id = ${HA.id} limit 1`;
    const refused = await hub.query(`query($id: ID!) { dose(id: $id) { doseNumber } }`, { id: other!.id }, { token: citizen });
    expect(refused.data.dose).toBeNull();
    expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
    const audit = await sql`select subject, outcome from audit_records where person_id = ${HA.id} and subject = ${BINH.id}`;
    expect(audit).toEqual([{ subject: BINH.id, outcome: 'DENIED' }]);
  });

  itWithPostgres('coverage is for officials, a province official for their provinces', async () => {
    const official01 = await hub.token({ subject: 'po-01', role: 'province_official', provinces: ['01'] });
    expect((await hub.query(COVERAGE, { province: '01' }, { token: official01 })).errors).toBeUndefined();
    const ward79 = await hub.query(COVERAGE, { ward: '26740' }, { token: official01 });
    expect(codes(ward79.errors)).toEqual(['FORBIDDEN']);
    const nation = await hub.query(COVERAGE, {}, { token: official01 });
    expect(codes(nation.errors)).toEqual(['FORBIDDEN']);
    const citizen = await hub.token({ subject: BINH.id, role: 'citizen' });
    expect(codes((await hub.query(COVERAGE, { province: '79' }, { token: citizen })).errors)).toEqual(['FORBIDDEN']);
    const bad = await hub.query(COVERAGE, { ward: '00004', province: '79' });
    expect(codes(bad.errors)).toEqual(['BAD_USER_INPUT']);
  });

  itWithPostgres('the population is the units import\'s figures, summed over the area and age groups (the units subgraph resolves it)', async () => {
    const units = hub.hub.subgraphs.find((s) => s.name === 'units')!;
    const csv = ['ward_code,age_group,population,reference_year', ...AGE_GROUPS.map((g, i) => `00008,${g.code},${1000 * (i + 1)},2019`)].join('\n');
    await importPopulation(units.database.db as never, parsePopulation(csv));
    const population = async (args: Record<string, string>) => {
      const response = await hub.query(`query($province: ID, $ward: ID, $ageGroup: String) { vaccinationCoverage(province: $province, ward: $ward, ageGroup: $ageGroup) { areaCode ageGroup population } }`, args);
      expect(response.errors).toBeUndefined();
      return response.data.vaccinationCoverage.population as number | null;
    };
    expect(await population({ ward: '00008', ageGroup: AGE_GROUPS[2].code })).toBe(3000);
    expect(await population({ ward: '00008' })).toBe(15_000);
    // Province 01: the imported ward and the other demo wards of 01 (their demo figures, as loaded).
    const [others] = await units.database.sql`select sum(p.population)::int as n from ward_population p join wards w on w.code = p.ward_code where w.province_code = '01' and p.ward_code <> '00008'`;
    expect(others!.n).toBeGreaterThan(0);
    expect(await population({ province: '01' })).toBe(15_000 + others!.n);
    // A bad file writes nothing: an unknown ward and an unknown age group are both reported.
    expect(() => parsePopulation('ward_code,age_group,population,reference_year\n00008,70+,5,2019\n')).toThrow(/age group "70\+"/);
    await expect(importPopulation(units.database.db as never, parsePopulation('ward_code,age_group,population,reference_year\n00008,0-11,1,2019\n99999,0-11,5,2019\n'))).rejects.toThrow(/99999/);
    expect(await population({ ward: '00008', ageGroup: '0-11' })).toBe(1000);
  });

  itWithPostgres('coverage equals a brute-force count of random doses (every area and age group)', async () => {
    const wards = [['00008', '01'], ['07210', '24'], ['09190', '24'], ['26737', '79']] as const;
    const products = ['COMIRNATY', 'SPIKEVAX', 'VAXZEVRIA', 'COVILO', 'ABDALA', 'SPUTNIK_V', 'JANSSEN'];
    const random = (n: number) => Math.floor(Math.random() * n);
    const rows: Array<ReturnType<typeof row>> = [];
    for (let p = 0; p < 300; p++) {
      const personId = randomUUID();
      const birthYear = 1930 + random(95);
      // A person may move: each dose names a ward, the latest one counts.
      for (let n = 1, doses = 1 + random(4); n <= doses; n++) {
        rows.push(row({ personId, birthYear, doseNumber: random(5) === 0 ? n + 1 : n, product: products[random(products.length)], wardCode: wards[random(wards.length)]![0], administeredAt: daysAgo(400 - n * 30 - random(20)) }));
      }
    }
    // Several uploads, rows shuffled, so people's doses arrive out of order across batches, three
    // at a time: concurrent uploads touching the same people must still count each person once.
    rows.sort(() => Math.random() - 0.5);
    const uploads = Array.from({ length: Math.ceil(rows.length / 250) }, (_, i) => rows.slice(i * 250, (i + 1) * 250));
    for (let i = 0; i < uploads.length; i += 3) {
      for (const result of await Promise.all(uploads.slice(i, i + 3).map((upload) => record(upload)))) expect(result.rejected).toEqual([]);
    }

    // The oracle: every stored dose, each person's status by the documented rule, counted by hand.
    const series = new Map<string, number>((await sql`select code, doses_in_primary_series as n from vaccine_products`).map((r) => [r.code, r.n]));
    const all = await sql<Array<{ person_id: string; product_code: string; dose_number: number; administered_at: Date | string; ward_code: string; province_code: string; birth_year: number }>>`
      select person_id, product_code, dose_number, administered_at, ward_code, province_code, birth_year from doses order by administered_at, recorded_at`;
    const people = new Map<string, Array<(typeof all)[number]>>();
    for (const d of all) people.set(d.person_id, [...(people.get(d.person_id) ?? []), d]);
    const year = new Date(Date.now() + 7 * 3_600_000).getUTCFullYear();
    const expected = (area: string | null, group: (typeof AGE_GROUPS)[number] | null): Counts => {
      const counts = { atLeastOneDose: 0, full: 0, boosted: 0 };
      for (const doses of people.values()) {
        const latest = doses[doses.length - 1]!;
        if (area && latest.ward_code !== area && latest.province_code !== area) continue;
        const age = year - latest.birth_year;
        if (group && (age < group.minAge || (group.maxAge !== null && age > group.maxAge))) continue;
        const first = [...doses].sort((a, b) => a.dose_number - b.dose_number || new Date(a.administered_at).getTime() - new Date(b.administered_at).getTime())[0]!;
        const n = series.get(first.product_code)!;
        const primary = new Set(doses.filter((d) => d.dose_number <= n).map((d) => d.dose_number)).size;
        const full = primary >= n;
        const boosted = full && doses.some((d) => d.dose_number > n);
        counts.atLeastOneDose++;
        if (full) counts.full++;
        if (boosted) counts.boosted++;
      }
      return counts;
    };
    const areas: Array<{ province?: string; ward?: string }> = [{}, { province: '01' }, { province: '24' }, { province: '79' }, ...wards.map(([ward]) => ({ ward }))];
    for (const area of areas) {
      for (const group of [null, ...AGE_GROUPS]) {
        const answer = await coverage({ ...area, ...(group ? { ageGroup: group.code } : {}) });
        expect(answer, JSON.stringify({ area, group: group?.code })).toEqual(expected(area.ward ?? area.province ?? null, group));
      }
    }
    // The bulk rebuild (SQL, for doses loaded without the per-upload rollups) agrees with the counters kept upload by upload.
    const counters = () => sql`select area, birth_year, at_least_one_dose, "full", boosted, (select count(*) from person_status) as people from coverage_counts where at_least_one_dose > 0 order by area, birth_year`;
    // So do the status rows, and what each was derived from (kept from each upload's new doses alone).
    const statuses = () => sql`select person_id, status, ward_code, province_code, birth_year, series, first_dose_number, first_administered_at, dose_numbers, latest_administered_at from person_status order by person_id`;
    const [kept, keptStatuses] = [await counters(), await statuses()];
    const vaccination = hub.hub.subgraphs.find((s) => s.name === 'vaccination')!;
    expect((await new CoverageRepository(vaccination.database.db as never).rebuild()).people).toBe(Number(kept[0]!.people));
    expect(await counters()).toEqual(kept);
    expect(await statuses()).toEqual(keptStatuses);
  });
});
