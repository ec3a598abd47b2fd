import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { vietnamDatePlus } from '../../subgraphs/testing/confirmation.ts';
import { CONFIRMATION_QUEUE, type ConfirmationJob } from '../../subgraphs/testing/jobs/confirmation.queue.ts';
import { DEFAULT_CONTACT_RULE } from '../../subgraphs/tracing/rules.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';
import { bruteForceContactsAt, loadWorld, rng, smallWorld, type SmallWorld } from '../support/tracing-data.ts';

const RECORD = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted rejected { index code } } }`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const DAY = 86_400_000;
const HOUR = 3_600_000;

interface Upload { personId: string; kind: 'PCR' | 'RAPID_ANTIGEN'; result: 'POSITIVE' | 'NEGATIVE'; collectedAt: Date; resultedAt: Date; pool?: string[] }
interface OracleCase { person: string; confirmedAt: number; parent: number | null; contacts: Map<string, { degree: 'F1' | 'F2'; at: number }> }

/**
 * The oracle: on a random world and random lab uploads (one person's results per phase, so the
 * order of confirmations is fixed), the cases, their links and every contact's test schedule
 * equal a brute-force computation straight from the definitions:
 * - a case when an individual positive of the phase meets a rule (a PCR; a rapid test with another
 *   rapid positive collected within 48 h) and the person has no open case; confirmed at the latest
 *   resultedAt of its evidence (the closest rapid test in collection time);
 * - its link: the earliest contact record (by exposure) of the person in an earlier case;
 * - its contacts: the brute-force F1/F2 of the tracing oracle, without the people already followed
 *   in its chain (the ancestors' people and contacts);
 * - schedules: F1 on days 1, 3, 7 and F2 on day 1 after the exposure (Vietnam dates); DONE when the
 *   person has an own result collected on or after the day, OVERDUE when the day passed, else DUE.
 */
describe('testing oracle: cases, schedules and chain links from random results', () => {
  let hub: TestHub;
  let tracingSql: postgres.Sql;
  let lab: string;
  const now = new Date();
  const random = rng(2026);
  const world: SmallWorld = smallWorld(random, now, { people: 30, venues: 4, checkIns: 140 });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testing-oracle-'));
    writeFileSync(join(dir, 'lab-o.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(RECORD), name: 'RecordTestResults', type: 'mutation', body: RECORD }] }));
    hub = await startTestHub({ seedDemo: false, trustedDocumentsDir: dir, retry: { baseDelayMs: 100, maxDelayMs: 500 } });
    await loadWorld(hub.hub, world);
    // Uploads name a testing site of the person's home province: it must exist in that shard (no demo data here).
    for (const code of new Set(world.people.map((p) => p.provinceCode))) {
      const shard = hub.hub.subgraphs.find((s) => s.name === 'province' && s.provinceCode === code)!.database.sql;
      await shard`insert into testing_sites (id, name, ward_code, address, opening_hours)
        values (${demoId('testingSite', code, 1)}, 'Điểm xét nghiệm thử', ${world.people.find((p) => p.provinceCode === code)!.wardCode}, 'Số 1', '07:00–17:00') on conflict (id) do nothing`;
    }
    tracingSql = hub.hub.subgraphs.find((s) => s.name === 'tracing' && !s.provinceCode)!.database.sql;
    lab = await hub.token({ subject: 'lab-o', role: 'partner', scopes: ['tests:write'] });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('equal a brute-force computation', async () => {
    const queue = hub.hub.queues.createQueue<ConfirmationJob>(CONFIRMATION_QUEUE, {});
    const settled = async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const [runs] = await tracingSql`select count(*)::int as n from tracing_runs where status <> 'SUCCEEDED'`;
      return Object.values(counts).every((n) => n === 0) && runs!.n === 0;
    };
    const homeOf = (id: string) => world.people.find((p) => p.id === id)!.provinceCode;
    const uploads: Upload[] = [];
    const cases: OracleCase[] = [];
    let seq = 0;

    // Phases: the people most often checked in are tested, so cases have contacts and chains form.
    const busy = [...new Set(world.checkIns.map((c) => c.personId))];
    for (let phase = 0; phase < 8; phase++) {
      // Prefer someone already a contact (a chain grows), else anyone.
      const contacts = cases.flatMap((c) => [...c.contacts.keys()]);
      const pool = contacts.length && random() < 0.7 ? contacts : busy;
      const person = pool[Math.floor(random() * pool.length)]!;
      const resulted = now.getTime() - (60 - phase * 5) * 60_000;
      const at = (hoursBefore: number) => ({ collectedAt: new Date(resulted - hoursBefore * HOUR - 2 * HOUR), resultedAt: new Date(resulted - hoursBefore * HOUR) });
      const choice = Math.floor(random() * 6);
      const batch: Upload[] =
        choice === 0 ? [{ personId: person, kind: 'PCR', result: 'NEGATIVE', ...at(0) }]
        : choice === 1 ? [{ personId: person, kind: 'RAPID_ANTIGEN', result: 'POSITIVE', ...at(0) }]
        : choice === 2 ? [{ personId: person, kind: 'RAPID_ANTIGEN', result: 'POSITIVE', ...at(30) }, { personId: person, kind: 'RAPID_ANTIGEN', result: 'POSITIVE', ...at(0) }]
        : choice === 3 ? [{ personId: person, kind: 'PCR', result: 'POSITIVE', ...at(0), pool: [person, busy[(phase + 1) % busy.length]!].filter((v, i, a) => a.indexOf(v) === i) }]
        : [{ personId: person, kind: 'PCR', result: 'POSITIVE', ...at(0) }];
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${lab}` },
        body: JSON.stringify({
          documentId: `sha256:${sha256(RECORD)}`,
          variables: {
            results: batch.map((u) => ({
              sampleId: `O-${++seq}`, personId: u.personId, kind: u.kind, result: u.result, collectedAt: u.collectedAt.toISOString(), resultedAt: u.resultedAt.toISOString(),
              testingSite: { province: homeOf(u.personId), id: demoId('testingSite', homeOf(u.personId), 1) },
              ...(u.pool && u.pool.length >= 2 ? { pool: { members: u.pool } } : {}),
            })),
          },
        }),
      });
      expect(((await response.json()) as any).data.recordTestResults.rejected).toEqual([]);
      const stored = batch.map((u) => (u.pool && u.pool.length < 2 ? { ...u, pool: undefined } : u));
      uploads.push(...stored);

      // The oracle's step: does a positive of this phase meet a rule, for a person without an open case?
      const own = uploads.filter((u) => u.personId === person && u.result === 'POSITIVE' && !u.pool);
      let evidence: Upload[] | null = null;
      for (const trigger of stored.filter((u) => u.result === 'POSITIVE' && !u.pool)) {
        if (trigger.kind === 'PCR') evidence = [trigger];
        else {
          const other = own.filter((u) => u !== trigger && u.kind === 'RAPID_ANTIGEN' && Math.abs(+u.collectedAt - +trigger.collectedAt) <= 48 * HOUR)
            .sort((a, b) => Math.abs(+a.collectedAt - +trigger.collectedAt) - Math.abs(+b.collectedAt - +trigger.collectedAt))[0];
          if (other) evidence = [trigger, other];
        }
      }
      if (evidence && !cases.some((c) => c.person === person)) {
        const confirmedAt = Math.max(...evidence.map((u) => +u.resultedAt));
        let parent = null as number | null;
        let earliest = Infinity;
        cases.forEach((c, i) => {
          const contact = c.contacts.get(person);
          if (contact && c.confirmedAt <= confirmedAt && contact.at < earliest) [parent, earliest] = [i, contact.at];
        });
        const followed = new Set<string>();
        for (let i = parent; i !== null; i = cases[i]!.parent) {
          followed.add(cases[i]!.person);
          for (const p of cases[i]!.contacts.keys()) followed.add(p);
        }
        const found = bruteForceContactsAt(world, person, { from: new Date(confirmedAt - 2 * DAY), to: new Date(confirmedAt) }, DEFAULT_CONTACT_RULE, now);
        const kept = new Map([...found].filter(([p]) => !followed.has(p)).map(([p, c]) => [p, { degree: c.degree, at: c.at }]));
        cases.push({ person, confirmedAt, parent, contacts: kept });
      }
      await expect.poll(settled, { timeout: 30_000, interval: 100 }).toBe(true);
    }
    // The seed makes a chain: several cases, at least one linked to an earlier one.
    expect(cases.length).toBeGreaterThan(1);
    expect(cases.some((c) => c.parent !== null)).toBe(true);

    // Cases and their links, in confirmation order.
    const rows = await tracingSql`select c.id, c.person_id, c.confirmed_at, k.case_id as parent from cases c left join contacts k on k.id = c.infected_by_contact_id order by c.confirmed_at, c.id`;
    expect(rows.map((r) => [r.person_id, new Date(r.confirmed_at).getTime()])).toEqual(cases.map((c) => [c.person, c.confirmedAt]));
    const index = new Map(rows.map((r, i) => [r.id as string, i]));
    expect(rows.map((r) => (r.parent ? index.get(r.parent) : null))).toEqual(cases.map((c) => c.parent));
    // Each case's contacts.
    for (const [i, row] of rows.entries()) {
      const stored = await tracingSql`select person_id, degree, overlap_start from contacts where case_id = ${row.id}`;
      expect(new Map(stored.map((c) => [c.person_id, { degree: c.degree, at: new Date(c.overlap_start).getTime() }])), `case ${i}`).toEqual(cases[i]!.contacts);
    }
    // Every contact's schedule, with its status.
    const today = vietnamDatePlus(new Date(), 0);
    const people = [...new Set(cases.flatMap((c) => [...c.contacts.keys()]))];
    for (const person of people) {
      const expected = cases.flatMap((c, i) => {
        const contact = c.contacts.get(person);
        if (!contact) return [];
        return (contact.degree === 'F1' ? [1, 3, 7] : [1]).map((d) => {
          const dueOn = vietnamDatePlus(new Date(contact.at), d);
          const done = uploads.some((u) => (u.pool ? u.pool.includes(person) && u.result === 'NEGATIVE' : u.personId === person) && vietnamDatePlus(u.collectedAt, 0) >= dueOn);
          return `${rows[i]!.id} ${dueOn} ${contact.degree} ${done ? 'DONE' : dueOn < today ? 'OVERDUE' : 'DUE'}`;
        });
      }).sort();
      const answer = await hub.query(`query($id: ID!) { person(id: $id) { testSchedule { caseId dueOn degree status } } }`, { id: person });
      expect(answer.data.person.testSchedule.map((s: any) => `${s.caseId} ${s.dueOn} ${s.degree} ${s.status}`).sort(), person).toEqual(expected);
    }
    // The chain of the last case: its ancestors and descendants, by the oracle's links.
    const last = cases.length - 1;
    const descends = (i: number): boolean => i === last || (cases[i]!.parent !== null && descends(cases[i]!.parent!));
    const expectedNodes = new Set<number>(cases.map((_, i) => i).filter(descends));
    for (let i = cases[last]!.parent; i !== null; i = cases[i]!.parent) expectedNodes.add(i);
    const chain = (await hub.query(`query($id: ID!) { transmissionChain(caseId: $id) { cases { id } links { from { id } to { id } } } }`, { id: rows[last]!.id })).data.transmissionChain;
    expect(chain.cases.map((c: any) => index.get(c.id)).sort()).toEqual([...expectedNodes].sort());
    expect(chain.links.map((l: any) => [index.get(l.from.id), index.get(l.to.id)]).sort()).toEqual([...expectedNodes].filter((i) => cases[i]!.parent !== null && expectedNodes.has(cases[i]!.parent!)).map((i) => [cases[i]!.parent, i]).sort());
    await queue.close();
  });
});
