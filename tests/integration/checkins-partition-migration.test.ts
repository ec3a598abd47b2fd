import { afterAll, beforeAll, describe, expect } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { CheckInBatchRepository, CheckInRepository } from '../../subgraphs/checkins/repositories/index.ts';
import { checkBatch } from '../../subgraphs/checkins/validation.ts';
import { DEFAULT_EXPOSURE_RULE } from '../../subgraphs/checkins/rule.ts';
import { DEFAULT_PARTITION, partitionName } from '../../subgraphs/checkins/partitions.ts';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import { connect, databaseUrl, dropDatabase, ensureDatabase, migrationsFolder, type Database } from '../../subgraphs/shared/db.ts';
import { itWithPostgres, postgresUrl, uniquePrefix } from '../support/services.ts';

/**
 * The risky migration 0002_partition_check_ins_by_day (STYLE.md habit 8): a scratch database is
 * migrated up to the migration before it, seeded the old way, then migrated to the end.
 */
const MIGRATION = '0002_partition_check_ins_by_day';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const V1 = '5e7a9d20-0000-4000-8000-0000000000c1';
const V2 = '5e7a9d20-0000-4000-8000-0000000000c2';
const P1 = '0b6f3c1e-0000-4000-8000-0000000000c1';
const P2 = '0b6f3c1e-0000-4000-8000-0000000000c2';
const id = (n: number) => `ca000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A copy of the checkins migrations that ends just before `tag`. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'checkins-migrations-'));
  cpSync(migrationsFolder('checkins'), dir, { recursive: true });
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  if (at < 0) throw new Error(`no migration ${tag}`);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

/** Applies a migrations folder with drizzle's migrator, on its own connection (drizzle changes how a client handles dates). */
async function migrateFrom(url: string, folder: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(client), { migrationsFolder: folder });
  } finally {
    await client.end();
  }
}

interface Row {
  id: string;
  person_id: string;
  venue_id: string;
  checked_in_at: Date;
  checked_out_at: Date | null;
  created_at: Date;
}

describe(`migration ${MIGRATION}`, () => {
  const now = new Date();
  let server: string;
  let name: string;
  let raw: postgres.Sql;
  let database: Database<typeof tables>;
  let before: Row[];
  const seeded: Array<{ n: number; person: string; venue: string; at: Date; out: Date | null }> = [
    { n: 1, person: P1, venue: V1, at: new Date(now.getTime() - 2 * DAY), out: new Date(now.getTime() - 2 * DAY + HOUR) },
    { n: 2, person: P1, venue: V2, at: new Date(now.getTime() - 20 * HOUR), out: null }, // open
    { n: 3, person: P2, venue: V1, at: new Date(now.getTime() - HOUR), out: null }, // open, recent
    { n: 4, person: P2, venue: V2, at: new Date(now.getTime() - 10 * DAY), out: new Date(now.getTime() - 10 * DAY + 30 * 60_000) },
    { n: 5, person: P1, venue: V1, at: new Date(now.getTime() - 40 * DAY), out: null }, // older than the partitions made: default
    { n: 6, person: P2, venue: V1, at: new Date(now.getTime() - 3 * DAY), out: null }, // open, 3 days old
  ];

  beforeAll(async () => {
    const found = postgresUrl();
    if (!found) return;
    server = found;
    name = uniquePrefix('cimig');
    await ensureDatabase(server, name);
    const url = databaseUrl(server, name);
    raw = postgres(url, { max: 1, onnotice: () => {} });

    const before0002 = migrationsBefore(MIGRATION);
    try {
      await migrateFrom(url, before0002);
    } finally {
      rmSync(before0002, { recursive: true, force: true });
    }
    await raw`insert into venues (id, name, category, ward_code, province_code, qr_code) values
      (${V1}, 'Chợ Bến Thành', 'MARKET', '26743', '79', 'VN-79-MIG-1'), (${V2}, 'Nhà hàng Hồ Gươm', 'RESTAURANT', '00004', '01', 'VN-01-MIG-2')`;
    for (const s of seeded) {
      await raw`insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at) values (${id(s.n)}, ${s.person}, ${s.venue}, ${s.at}, ${s.out})`;
    }
    // A retried upload under the old key: ignored.
    const retried = await raw`insert into check_ins (id, person_id, venue_id, checked_in_at) values (${id(1)}, ${P2}, ${V2}, ${now}) on conflict (id) do nothing returning id`;
    expect(retried).toHaveLength(0);
    // Some volume: 600 visits over the last 25 days.
    await raw`
      insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at)
      select ('cb000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
             case when i % 2 = 0 then ${P1}::uuid else ${P2}::uuid end,
             case when i % 3 = 0 then ${V1}::uuid else ${V2}::uuid end,
             ${now}::timestamptz - (i * interval '1 hour'),
             case when i % 5 = 0 then null else ${now}::timestamptz - (i * interval '1 hour') + interval '20 minutes' end
      from generate_series(1, 600) as i`;
    before = await raw<Row[]>`select id, person_id, venue_id, checked_in_at, checked_out_at, created_at from check_ins order by id`;

    await migrateFrom(url, migrationsFolder('checkins'));
    database = connect(url, tables, 4);
  });

  afterAll(async () => {
    await database?.close();
    await raw?.end();
    if (name) await dropDatabase(server, name);
  });

  itWithPostgres('check_ins is range-partitioned by checked_in_at and holds exactly the rows it held before', async () => {
    const [table] = await raw<Array<{ relkind: string; key: string }>>`
      select c.relkind, pg_get_partkeydef(c.oid) as key from pg_class c where c.oid = 'check_ins'::regclass`;
    expect(table).toEqual({ relkind: 'p', key: 'RANGE (checked_in_at)' });
    const [old] = await raw`select to_regclass('check_ins_unpartitioned') as t`;
    expect(old?.t).toBeNull();

    const after = await raw<Array<Row & { closed_automatically: boolean }>>`
      select id, person_id, venue_id, checked_in_at, checked_out_at, created_at, closed_automatically from check_ins order by id`;
    expect(after).toHaveLength(6 + 600);
    expect(after.map(({ closed_automatically: _, ...row }) => row)).toEqual(before);
    expect(after.every((r) => r.closed_automatically === false)).toBe(true);
  });

  itWithPostgres('each row sits in its UTC day\'s partition; older ones in the default partition; today and the next 7 days exist', async () => {
    const rows = await raw<Array<{ id: string; checked_in_at: Date; part: string }>>`select id, checked_in_at, tableoid::regclass::text as part from check_ins`;
    // Every seeded row but one is from the last 25 days; id(5) is 40 days old.
    for (const row of rows) expect(row.part, row.id).toBe(row.id === id(5) ? DEFAULT_PARTITION : partitionName(row.checked_in_at));
    const partitions = await raw<Array<{ name: string }>>`select inhrelid::regclass::text as name from pg_inherits where inhparent = 'check_ins'::regclass`;
    const names = partitions.map((p) => p.name);
    for (let i = 0; i <= 7; i++) expect(names).toContain(partitionName(new Date(now.getTime() + i * DAY)));
    expect(names).toContain(DEFAULT_PARTITION);
  });

  itWithPostgres('keeps the key (id, checked_in_at), the check and foreign key constraints, and both indexes', async () => {
    const constraints = await raw<Array<{ conname: string; def: string }>>`
      select conname, pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = 'check_ins'::regclass and contype in ('c', 'f', 'p', 'u') order by conname`; // PostgreSQL 18 also lists NOT NULL ('n')
    expect(constraints).toEqual([
      { conname: 'check_ins_checked_out_after_in', def: 'CHECK (((checked_out_at IS NULL) OR (checked_out_at >= checked_in_at)))' },
      { conname: 'check_ins_pkey', def: 'PRIMARY KEY (id, checked_in_at)' },
      { conname: 'check_ins_venue_id_venues_id_fk', def: 'FOREIGN KEY (venue_id) REFERENCES venues(id)' },
    ]);
    const indexes = await raw<Array<{ indexname: string; indexdef: string }>>`select indexname, indexdef from pg_indexes where tablename = 'check_ins' order by indexname`;
    expect(indexes.map((i) => [i.indexname, i.indexdef.replace(/^.* USING /, '')])).toEqual([
      ['check_ins_person_checked_in_idx', 'btree (person_id, checked_in_at)'],
      ['check_ins_pkey', 'btree (id, checked_in_at)'],
      ['check_ins_venue_checked_in_idx', 'btree (venue_id, checked_in_at) INCLUDE (checked_out_at, person_id, id, closed_automatically)'],
    ]);
    // In force on the partitions (a migrated day, and the default partition).
    await expect(raw`insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at) values (${id(90)}, ${P1}, ${V1}, ${now}, ${new Date(now.getTime() - HOUR)})`).rejects.toMatchObject({ code: '23514' });
    await expect(raw`insert into check_ins (id, person_id, venue_id, checked_in_at) values (${id(91)}, ${P1}, ${'5e7a9d20-0000-4000-8000-0000000000ff'}, ${now})`).rejects.toMatchObject({ code: '23503' });
    await expect(raw`insert into check_ins (id, person_id, venue_id, checked_in_at) values (${id(5)}, ${P1}, ${V1}, ${seeded[4]!.at})`).rejects.toMatchObject({ code: '23505' });
  });

  itWithPostgres('writing the migrated rows again changes nothing: ON CONFLICT (id, checked_in_at), batch retries, scan retries', async () => {
    const count = async () => Number((await raw`select count(*)::int as n from check_ins`)[0]!.n);
    const total = await count();
    const s1 = seeded[0]!;
    const again = await raw`insert into check_ins (id, person_id, venue_id, checked_in_at) values (${id(1)}, ${s1.person}, ${s1.venue}, ${s1.at}) on conflict (id, checked_in_at) do nothing returning id`;
    expect(again).toHaveLength(0);

    const repo = new CheckInRepository(database.db, DEFAULT_EXPOSURE_RULE);
    const batch = seeded.slice(0, 4).map((s) => ({ id: id(s.n), qrCode: s.venue === V1 ? 'VN-79-MIG-1' : 'VN-01-MIG-2', personId: s.person, checkedInAt: s.at, checkedOutAt: s.out }));
    const batches = new CheckInBatchRepository(database.db, DEFAULT_EXPOSURE_RULE);
    expect(await batches.record(checkBatch(batch, now), now)).toEqual({ accepted: 0, duplicates: 4, rejected: [] });
    // The same id for someone else, at the same time or a little later, is a conflict, not a new check-in.
    const reused = await batches.record(checkBatch([
      { ...batch[0]!, personId: P2 },
      { ...batch[1]!, personId: P2, checkedInAt: new Date(seeded[1]!.at.getTime() + 5 * 60_000) },
    ], now), now);
    expect(reused).toMatchObject({ accepted: 0, duplicates: 0 });
    expect(reused.rejected.map((r) => [r.index, r.code])).toEqual([[0, 'ID_CONFLICT'], [1, 'ID_CONFLICT']]);
    // A scan retried without `at` (so stamped now) finds the migrated check-in of an hour ago.
    const retry = await repo.checkIn({ id: id(3), qrCode: 'VN-79-MIG-1', personId: P2 }, now);
    expect(retry).toMatchObject({ __typename: 'CheckInRecorded', duplicate: true, checkIn: { checkedInAt: seeded[2]!.at } });
    expect(await count()).toBe(total);
  });

  itWithPostgres('open migrated check-ins can be checked out, found near in time or (3 days old) by probing every partition', async () => {
    const repo = new CheckInRepository(database.db, DEFAULT_EXPOSURE_RULE);
    const out2 = await repo.checkOut({ id: id(2), at: new Date(now.getTime() - 19 * HOUR) }, now);
    expect(out2).toMatchObject({ __typename: 'CheckedOut', checkIn: { id: id(2), checkedOutAt: new Date(now.getTime() - 19 * HOUR) } });
    const out6 = await repo.checkOut({ id: id(6), at: now }, now);
    expect(out6).toMatchObject({ __typename: 'CheckedOut', checkIn: { id: id(6), checkedOutAt: now } });
    expect(await repo.checkOut({ id: id(99), at: now }, now)).toMatchObject({ __typename: 'CheckInNotFound' });
  });
});
