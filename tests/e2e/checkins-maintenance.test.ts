import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { partitionName, utcDay } from '../../subgraphs/checkins/partitions.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres, redisUrl } from '../support/services.ts';

const backends: Array<'postgres' | 'redis'> = inject('redisUrl') ? ['postgres', 'redis'] : ['postgres'];

describe.each(backends)('check-ins maintenance as a repeatable job (queues on %s)', (backend) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ seedDemo: false, redisUrl: backend === 'redis' ? (redisUrl() ?? undefined) : undefined });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('runs at start: the partitions for the coming week exist, and a stale one is dropped by the next run', async () => {
    const sql = hub.hub.subgraphs.find((s) => s.name === 'checkins')!.database.sql;
    const partitions = async () =>
      (await sql<{ name: string }[]>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'check_ins'::regclass`).map((r) => r.name);
    const ahead = partitionName(utcDay(new Date(Date.now() + 7 * 86_400_000)));
    await expect.poll(partitions, { timeout: 20_000, interval: 200 }).toContain(ahead);

    // A partition from 40 days ago (older than the 21-day retention) disappears on the next run.
    const old = utcDay(new Date(Date.now() - 40 * 86_400_000));
    await sql.unsafe(`create table ${partitionName(old)} partition of check_ins for values from ('${old.toISOString()}') to ('${new Date(old.getTime() + 86_400_000).toISOString()}')`);
    expect(await partitions()).toContain(partitionName(old));
    await hub.hub.maintenance.queue.add('maintain', {});
    await expect.poll(partitions, { timeout: 20_000, interval: 200 }).not.toContain(partitionName(old));
  });

  itWithPostgres('the retention purge leaves audit_records alone, however old', async () => {
    const sql = hub.hub.subgraphs.find((s) => s.name === 'checkins')!.database.sql;
    const subject = `retention-${backend}`;
    for (const days of [400, 40, 1]) {
      await sql`insert into audit_records (subject, role, jurisdiction, person_id, fields, masked_fields, at, outcome)
        values (${subject}, 'national_official', '{all}', ${randomUUID()}, '{checkIns}', '{}', ${new Date(Date.now() - days * 86_400_000).toISOString()}::timestamptz, 'ALLOWED')`;
    }
    const records = () => sql<{ at: string }[]>`select at::text from audit_records where subject = ${subject} order by at`;
    const before = await records();
    expect(before).toHaveLength(3);

    // A stale partition shows that the purge ran.
    const old = utcDay(new Date(Date.now() - 45 * 86_400_000));
    await sql.unsafe(`create table ${partitionName(old)} partition of check_ins for values from ('${old.toISOString()}') to ('${new Date(old.getTime() + 86_400_000).toISOString()}')`);
    await hub.hub.maintenance.queue.add('maintain', {});
    const exists = async () => (await sql`select 1 from pg_class where relname = ${partitionName(old)}`).length > 0;
    await expect.poll(exists, { timeout: 20_000, interval: 200 }).toBe(false);
    expect(await records()).toEqual(before);
  });
});
