import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { loadWorld } from '../support/tracing-data.ts';

const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted corrected duplicates rejected { index code } } }`;
const REJECT = /* GraphQL */ `mutation($id: ID!, $reason: String!) { rejectCase(caseId: $id, reason: $reason) { id status } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const DAY = 24;

/**
 * Re-infection (tái nhiễm): a positive result opens a new case when the person's earlier case is
 * closed: rejected, or confirmed more than its contact rule's `caseOpenDays` (90) before. While a
 * case is open, a new positive opens none. The testing jobs judge each positive (called directly:
 * the same function the worker runs).
 */
describe('testing: re-infection opens a new case, an open case does not', () => {
  let hub: TestHub;
  let tracingSql: postgres.Sql;
  let lab: string;
  const [OLD, REJECTED] = [randomUUID(), randomUUID()];

  const positive = async (personId: string, resultedHoursAgo: number) => {
    const row = {
      sampleId: `RI-${randomUUID()}`, personId, kind: 'PCR', result: 'POSITIVE', ctValue: 20,
      collectedAt: hoursAgo(resultedHoursAgo + 3), resultedAt: hoursAgo(resultedHoursAgo), testingSite: { province: '79', id: demoId('testingSite', '79', 1) },
    };
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${lab}` },
      body: JSON.stringify({ documentId: `sha256:${sha256(RECORD)}`, variables: { results: [row] } }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(body.data?.recordTestResults).toMatchObject({ accepted: 1, rejected: [] });
    return hub.hub.testingJobs.evaluate({ personId, lab: 'lab-r', sampleId: row.sampleId, revision: 1 });
  };
  const casesOf = async (personId: string) => (await tracingSql`select id, status from cases where person_id = ${personId} order by confirmed_at`).map((r) => [r.id as string, r.status as string]);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testing-reinfection-'));
    writeFileSync(join(dir, 'lab-r.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(RECORD), name: 'RecordTestResults', type: 'mutation', body: RECORD }] }));
    hub = await startTestHub({ seedDemo: true, trustedDocumentsDir: dir });
    await loadWorld(hub.hub, { people: [OLD, REJECTED].map((id) => ({ id: id!, provinceCode: '79', wardCode: '26740' })), venues: [], checkIns: [] });
    tracingSql = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!.database.sql;
    lab = await hub.token({ subject: 'lab-r', role: 'partner', scopes: ['tests:write'] });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('the contact rule says how long a case stays open: 90 days by default', async () => {
    const rules = (await hub.query('{ contactRules { name caseOpenDays } }')).data.contactRules;
    expect(rules).toContainEqual({ name: 'default-15min-4h', caseOpenDays: 90 });
  });

  itWithPostgres('a positive more than 90 days after a confirmed case opens a new case; within 90 days of it, none', async () => {
    const first = await positive(OLD!, 100 * DAY);
    expect(first).not.toBeNull();
    // 89 days after the first case: still open.
    expect(await positive(OLD!, 11 * DAY)).toBe(first);
    // 99 days after it: a re-infection.
    const second = await positive(OLD!, 1);
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    expect(await casesOf(OLD!)).toEqual([[first, 'CONFIRMED'], [second, 'CONFIRMED']]);
    // The new case is open: a further positive opens nothing.
    expect(await positive(OLD!, 0.5)).toBe(second);
    expect(await casesOf(OLD!)).toHaveLength(2);
  });

  itWithPostgres('after an official rejected the case, a new positive opens a new case', async () => {
    const rejected = await positive(REJECTED!, 5);
    const official = await hub.token({ role: 'province_official', provinces: ['79'] });
    expect((await hub.query(REJECT, { id: rejected, reason: 'Mẫu bị nhiễm bẩn' }, { token: official })).data.rejectCase).toEqual({ id: rejected, status: 'REJECTED' });
    const next = await positive(REJECTED!, 1);
    expect(next).not.toBeNull();
    expect(next).not.toBe(rejected);
    expect(await casesOf(REJECTED!)).toEqual([[rejected, 'REJECTED'], [next, 'CONFIRMED']]);
    expect(await positive(REJECTED!, 0.5)).toBe(next);
  });
});
