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
});
