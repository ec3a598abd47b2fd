import { afterAll, beforeAll, describe, expect } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { provinceModule } from '../../subgraphs/province/server.ts';
import { seedProvinceDemo } from '../../subgraphs/province/seed.ts';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { createRepositories, type ProvinceRepositories } from '../../subgraphs/province/repositories/index.ts';
import { createLoaders } from '../../subgraphs/province/loaders.ts';
import { accessOf } from '../../subgraphs/province/access.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import * as tables from '../../subgraphs/province/db/schema.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

const nationalOfficial: Identity = { subject: 'national', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: null };

const CASE_ID = 'c45e0f00-0000-4000-8000-000000000001';
let n = 0;
const nextId = (prefix: string) => `${prefix}-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const contact = (wardCode: string) => ({ contactId: nextId('c0c0c0c0'), caseId: CASE_ID, personId: nextId('9e9e9e9e'), degree: 'F1' as const, wardCode });

describe('province repositories (deployment for 01)', () => {
  let database: TestDatabase<typeof provinceModule.tables>;
  let repos: ProvinceRepositories;

  beforeAll(async () => {
    database = await createTestDatabase(provinceModule, 'province01');
    await seedProvinceDemo(database.db, '01');
    repos = createRepositories(database.db, '01');
  });
  afterAll(() => database?.drop());

  const rows = async (table: typeof tables.quarantineFacilities | typeof tables.tracers | typeof tables.tracingTasks | typeof tables.provinceProfile) =>
    (await database.db.select({ n: count() }).from(table))[0]?.n ?? 0;

  itWithPostgres('seeds the demo province idempotently', async () => {
    await seedProvinceDemo(database.db, '01');
    expect(await rows(tables.quarantineFacilities)).toBe(2);
    expect(await rows(tables.tracers)).toBe(2);
    expect(await repos.profile.byCodes(['01'])).toEqual([{ code: '01', hotline: '024 3300 0115' }]);
    const [team] = await repos.tracerTeams.list();
    expect((await repos.tracerTeams.wardsByTeamIds([team!.id])).map((w) => w.wardCode)).toEqual(['00004', '00008', '00070']);
    expect(await repos.zones.list()).toEqual([]);
  });

  itWithPostgres('seeds only a profile without a hotline for a province without demo data', async () => {
    const other = await createTestDatabase(provinceModule, 'province92');
    try {
      await seedProvinceDemo(other.db, '92');
      await seedProvinceDemo(other.db, '92');
      expect(await other.db.select().from(tables.provinceProfile)).toEqual([{ code: '92', hotline: null }]);
      expect((await other.db.select({ n: count() }).from(tables.quarantineFacilities))[0]?.n).toBe(0);
    } finally {
      await other.drop();
    }
  });

  itWithPostgres('loaders batch by key: one result per key, in key order, null for unknown ids', async () => {
    const loaders = createLoaders(repos, accessOf(nationalOfficial, '01'));
    const ids = [demoId('facility', '01', 2), '00000000-0000-4000-8000-000000000000', demoId('facility', '01', 1)];
    const facilities = await Promise.all(ids.map((id) => loaders.facility.load(id)));
    expect(facilities.map((f) => f && [f.provinceCode, f.name, f.freeBeds])).toEqual([
      ['01', 'Khu cách ly tập trung Ký túc xá Hoàn Kiếm', 0],
      null,
      ['01', 'Khu cách ly tập trung Nhà khách Ba Đình', 33],
    ]);
  });

  itWithPostgres('makes one task per contact even when the same contact arrives concurrently', async () => {
    const input = contact('00070');
    const before = await rows(tables.tracingTasks);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => repos.tracingTasks.accept(input)));
    expect(await rows(tables.tracingTasks)).toBe(before + 1);
    const accepted = outcomes.map((o) => (o.kind === 'accepted' ? o : null));
    expect(accepted.filter((o) => o?.created)).toHaveLength(1);
    expect(new Set(accepted.map((o) => o?.task.id)).size).toBe(1);
  });

  itWithPostgres('gives each new task to the tracer with the fewest open tasks among the teams covering the ward', async () => {
    // A team of its own, so the counts are known: two tracers, one ward that no demo team covers.
    const teamId = nextId('7ea11111');
    const [a, b] = [nextId('7ace1111'), nextId('7ace1111')] as [string, string];
    await database.db.insert(tables.tracerTeams).values({ id: teamId, name: 'Tổ truy vết thử nghiệm' });
    await database.db.insert(tables.tracerTeamWards).values({ teamId, wardCode: '99008' });
    await database.db.insert(tables.tracers).values([
      { id: a, teamId, fullName: 'Tracer A', phone: '0900000001' },
      { id: b, teamId, fullName: 'Tracer B', phone: '0900000002' },
    ]);

    const assigned: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await repos.tracingTasks.accept(contact('99008'));
      if (outcome.kind !== 'accepted') throw new Error(outcome.message);
      assigned.push(outcome.task.assignedTracerId);
    }
    expect(assigned).toEqual([a, b, a]);

    // Closing A's tasks frees A up: the next two go to A (0 open) before B gets another.
    for (const task of await repos.tracingTasks.list()) {
      if (task.assignedTracerId === a) await database.db.update(tables.tracingTasks).set({ status: 'CLOSED' }).where(eq(tables.tracingTasks.id, task.id));
    }
    const next = await repos.tracingTasks.accept(contact('99008'));
    expect(next.kind === 'accepted' && next.task.assignedTracerId).toBe(a);
  });

  itWithPostgres('accepts a batch in input order: new, repeated, conflicting and invalid contacts each get their own outcome', async () => {
    const teamId = nextId('7ea11111');
    const [a, b] = [nextId('7ace1111'), nextId('7ace1111')] as [string, string];
    await database.db.insert(tables.tracerTeams).values({ id: teamId, name: 'Tổ truy vết lô' });
    await database.db.insert(tables.tracerTeamWards).values({ teamId, wardCode: '99009' });
    await database.db.insert(tables.tracers).values([
      { id: a, teamId, fullName: 'Tracer A', phone: '0900000011' },
      { id: b, teamId, fullName: 'Tracer B', phone: '0900000012' },
    ]);
    const stored = contact('99009');
    const first = await repos.tracingTasks.accept(stored);
    if (first.kind !== 'accepted') throw new Error('not accepted');
    const before = await rows(tables.tracingTasks);

    const [x, y, z] = [contact('99009'), contact('99009'), contact('99009')];
    const outcomes = await repos.tracingTasks.acceptMany([
      x,
      stored, // already stored: a retry
      { ...stored, personId: nextId('9e9e9e9e') }, // same contact, another person: the caller's bug
      y,
      { ...contact('99009'), dueAt: new Date('2020-01-01T00:00:00Z') },
      x, // repeated within the batch
      z,
    ]);
    expect(outcomes.map((o) => (o.kind === 'accepted' ? (o.created ? 'created' : 'repeat') : `invalid:${o.field}`))).toEqual([
      'created', 'repeat', 'invalid:personId', 'created', 'invalid:dueAt', 'repeat', 'created',
    ]);
    const task = (i: number) => (outcomes[i]!.kind === 'accepted' ? outcomes[i]!.task : null);
    expect(task(1)?.id).toBe(first.task.id);
    expect(task(5)?.id).toBe(task(0)?.id);
    expect(await rows(tables.tracingTasks)).toBe(before + 3);
    // Balanced within the batch: A (the lower id) took the first task, so B, then A (tie), then B.
    expect(first.task.assignedTracerId).toBe(a);
    expect([task(0), task(3), task(6)].map((t) => t?.assignedTracerId)).toEqual([b, a, b]);
  });

  itWithPostgres('lists tasks by status, earliest due first', async () => {
    const later = await repos.tracingTasks.accept({ ...contact('00004'), dueAt: new Date(Date.now() + 48 * 3600_000) });
    const sooner = await repos.tracingTasks.accept({ ...contact('00004'), dueAt: new Date(Date.now() + 3600_000) });
    if (later.kind !== 'accepted' || sooner.kind !== 'accepted') throw new Error('not accepted');
    const open = await repos.tracingTasks.list({ status: 'NEW' });
    const ids = open.map((t) => t.id);
    expect(ids.indexOf(sooner.task.id)).toBeLessThan(ids.indexOf(later.task.id));
    expect(open.every((t) => t.status === 'NEW' && t.provinceCode === '01')).toBe(true);
    expect((await repos.tracingTasks.list({ status: 'CLOSED' })).every((t) => t.status === 'CLOSED')).toBe(true);
  });

  itWithPostgres('finds zones in force at an instant: started by then, not ended by then', async () => {
    const start = new Date('2025-08-01T00:00:00Z');
    const end = new Date('2025-08-15T00:00:00Z');
    const zoneId = nextId('20e11111');
    await database.db.insert(tables.zones).values({ id: zoneId, name: 'Khoanh vùng thử', level: 'WATCH', reason: 'Thử nghiệm', startsAt: start, endsAt: end });
    const at = async (iso: string) => (await repos.zones.list({ activeAt: new Date(iso) })).map((z) => z.id);
    expect(await at('2025-07-31T23:59:59Z')).toEqual([]);
    expect(await at('2025-08-01T00:00:00Z')).toEqual([zoneId]);
    expect(await at('2025-08-14T23:59:59Z')).toEqual([zoneId]);
    expect(await at('2025-08-15T00:00:00Z')).toEqual([]);
  });

  itWithPostgres('the database refuses an occupancy above capacity even if code forgets to check', async () => {
    const update = database.db
      .update(tables.quarantineFacilities)
      .set({ occupied: 1000 })
      .where(eq(tables.quarantineFacilities.id, demoId('facility', '01', 1)));
    await expect(update).rejects.toMatchObject({ cause: { code: '23514', constraint_name: 'quarantine_facilities_occupied_check' } });
  });
});
