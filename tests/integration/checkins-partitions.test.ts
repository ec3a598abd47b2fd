import { afterAll, beforeAll, describe, expect } from 'vitest';
import { checkinsModule } from '../../subgraphs/checkins/server.ts';
import { CheckInRepository } from '../../subgraphs/checkins/repositories/index.ts';
import { CheckinPartitions, DEFAULT_PARTITION, partitionName, runCheckinsMaintenance } from '../../subgraphs/checkins/partitions.ts';
import { DEFAULT_EXPOSURE_RULE } from '../../subgraphs/checkins/rule.ts';
import { connect } from '../../subgraphs/shared/db.ts';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

const DAY = 86_400_000;
const VENUE = '5e7a9d20-0000-4000-8000-0000000000b1';
const PERSON = '0b6f3c1e-0000-4000-8000-0000000000b1';
/** Check-in ids of one test: `prefix` (two hex digits) keeps the tests' rows apart. */
const ciId = (prefix: string, n: number) => `${prefix}000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const utc = (iso: string) => new Date(`${iso}Z`);

describe('checkins partitions: creation ahead, retention, closing overdue visits', () => {
  let database: TestDatabase<typeof checkinsModule.tables>;
  let partitions: CheckinPartitions;

  beforeAll(async () => {
    database = await createTestDatabase(checkinsModule, 'checkinspart');
    partitions = new CheckinPartitions(database.db);
    await database.sql`insert into venues (id, name, category, ward_code, province_code, qr_code) values (${VENUE}, 'Chợ Tân Định', 'MARKET', '26734', '79', 'VN-79-PART-1')`;
  });
  afterAll(() => database?.drop());

  async function insert(prefix: string, rows: Array<{ n: number; at: Date; out?: Date | null }>): Promise<void> {
    for (const { n, at, out } of rows) {
      await database.sql`insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at)
        values (${ciId(prefix, n)}, ${PERSON}, ${VENUE}, ${at.toISOString()}, ${out ? out.toISOString() : null})`;
    }
  }

  /** Where each of a test's rows lives: check-in number → partition name. */
  async function placement(prefix: string): Promise<Record<number, string>> {
    const rows = await database.sql<Array<{ id: string; part: string }>>`
      select id::text, tableoid::regclass::text as part from check_ins where id::text like ${`${prefix}%`}`;
    return Object.fromEntries(rows.map((r) => [Number(r.id.slice(-12)), r.part]));
  }

  itWithPostgres('ensurePartitions creates the missing days up to daysAhead, once, even when called concurrently', async () => {
    const from = utc('2031-03-01T15:30:00');
    const expected = Array.from({ length: 8 }, (_, i) => partitionName(new Date(from.getTime() + i * DAY)));
    expect(expected[0]).toBe('check_ins_p20310301');
    expect(expected[7]).toBe('check_ins_p20310308');

    // Three processes' worth of connections racing for the same days.
    const others = [connect(database.url, tables, 2), connect(database.url, tables, 2)];
    try {
      const results = await Promise.all([partitions, ...others.map((o) => new CheckinPartitions(o.db))].map((p) => p.ensurePartitions(from, 7)));
      expect(results.flat().sort()).toEqual(expected);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
    expect(await partitions.ensurePartitions(from, 7)).toEqual([]);

    const listed = (await partitions.list()).filter((p) => expected.includes(p.name));
    expect(listed.map((p) => [p.name, p.from?.toISOString(), p.to?.toISOString()])).toEqual(
      expected.map((name, i) => [name, new Date(Date.parse('2031-03-01T00:00:00Z') + i * DAY).toISOString(), new Date(Date.parse('2031-03-02T00:00:00Z') + i * DAY).toISOString()]),
    );
    // A created partition carries the parent's primary key, indexes, check and foreign key.
    const indexes = await database.sql<Array<{ indexdef: string }>>`select indexdef from pg_indexes where tablename = 'check_ins_p20310302' order by indexname`;
    expect(indexes.map((i) => i.indexdef.replace(/^.* USING /, ''))).toEqual([
      'btree (person_id, checked_in_at)',
      'btree (id, checked_in_at)',
      'btree (venue_id, checked_in_at) INCLUDE (checked_out_at, person_id, id, closed_automatically)',
    ]);
    const constraints = await database.sql<Array<{ conname: string; contype: string }>>`
      select conname, contype from pg_constraint where conrelid = 'check_ins_p20310302'::regclass and contype in ('c', 'f', 'p') order by conname`; // PostgreSQL 18 also lists NOT NULL ('n')
    expect(constraints.map((c) => c.contype).sort()).toEqual(['c', 'f', 'p']);
    await expect(insert('e1', [{ n: 1, at: utc('2031-03-02T10:00:00'), out: utc('2031-03-02T09:00:00') }])).rejects.toMatchObject({ code: '23514' });
  });

  itWithPostgres('rows that reached the default partition before their day had a partition are moved into it', async () => {
    await insert('a1', [
      { n: 1, at: utc('2032-05-10T08:00:00') },
      { n: 2, at: utc('2032-05-10T23:59:59.999') },
      { n: 3, at: utc('2032-05-11T00:00:00') },
    ]);
    expect(await placement('a1')).toEqual({ 1: DEFAULT_PARTITION, 2: DEFAULT_PARTITION, 3: DEFAULT_PARTITION });
    expect(await partitions.ensurePartitions(utc('2032-05-10T12:00:00'), 0)).toEqual(['check_ins_p20320510']);
    expect(await placement('a1')).toEqual({ 1: 'check_ins_p20320510', 2: 'check_ins_p20320510', 3: DEFAULT_PARTITION });
  });

  itWithPostgres('writes to a day whose partition is being created all succeed, and none is left in the default partition', async () => {
    const from = utc('2034-02-01T00:00:00');
    const others = [connect(database.url, tables, 2), connect(database.url, tables, 2)];
    try {
      // One writer inserting rows spread over the ten days while two processes make their partitions.
      const writes = (async () => {
        for (let n = 0; n < 300; n++) await insert('f1', [{ n, at: new Date(from.getTime() + (n % 10) * DAY + 3_600_000 + n * 1000) }]);
      })();
      const created = await Promise.all(others.map((o) => new CheckinPartitions(o.db).ensurePartitions(from, 9)));
      await writes;
      expect(created.flat()).toHaveLength(10);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
    expect(await partitions.ensurePartitions(from, 9)).toEqual([]);
    const where = Object.values(await placement('f1'));
    expect(where).toHaveLength(300);
    expect(where.filter((part) => part === DEFAULT_PARTITION)).toEqual([]);
  });

  itWithPostgres('dropOlderThan drops whole days before the cutoff and old rows of the default partition, nothing else', async () => {
    await partitions.ensurePartitions(utc('2018-01-01T00:00:00'), 4); // 1st … 5th January 2018, older than every other test's data but the maintenance test's (which runs later)
    await insert('d1', [
      { n: 1, at: utc('2018-01-01T10:00:00'), out: utc('2018-01-01T11:00:00') },
      { n: 2, at: utc('2018-01-02T23:00:00') },
      { n: 3, at: utc('2018-01-03T01:00:00') }, // the day straddling the cutoff is kept whole
      { n: 4, at: utc('2018-01-04T10:00:00') },
      { n: 5, at: utc('2017-12-01T10:00:00') }, // default partition, before the cutoff
      { n: 6, at: utc('2018-01-03T11:00:00') }, // in p20180103
      { n: 7, at: utc('2018-02-01T10:00:00') }, // default partition, after the cutoff
      { n: 8, at: utc('2018-01-03T12:00:00') }, // at the cutoff itself
    ]);
    const before = await database.sql<Array<{ n: number }>>`select count(*)::int as n from check_ins where id::text not like 'd1%'`;

    const dropped = await partitions.dropOlderThan(utc('2018-01-03T12:00:00'));
    expect(dropped.partitions.map((p) => p.name)).toEqual(['check_ins_p20180101', 'check_ins_p20180102']);
    expect(dropped.partitions[0]).toEqual({ name: 'check_ins_p20180101', from: utc('2018-01-01T00:00:00'), to: utc('2018-01-02T00:00:00') });
    expect(dropped.defaultRowsDeleted).toBe(1);
    expect(await placement('d1')).toEqual({
      3: 'check_ins_p20180103',
      4: 'check_ins_p20180104',
      6: 'check_ins_p20180103',
      7: DEFAULT_PARTITION,
      8: 'check_ins_p20180103',
    });
    const names = (await partitions.list()).map((p) => p.name);
    expect(names).not.toContain('check_ins_p20180101');
    expect(names).toContain('check_ins_p20180103');
    expect(names).toContain(DEFAULT_PARTITION);
    // Other tests' rows (other days, newer) are untouched.
    const after = await database.sql<Array<{ n: number }>>`select count(*)::int as n from check_ins where id::text not like 'd1%'`;
    expect(after[0]!.n).toBe(before[0]!.n);
    // Idempotent.
    expect(await partitions.dropOlderThan(utc('2018-01-03T12:00:00'))).toEqual({ partitions: [], defaultRowsDeleted: 0 });
  });

  itWithPostgres('closeOverdue closes open visits past the maximum stay, within its lookback; the API still shows no recorded check-out', async () => {
    const now = new Date();
    const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
    await partitions.ensurePartitions(ago(4 * 24 * 60), 5);
    await insert('c1', [
      { n: 1, at: ago(241) }, // open, past 4 h: closed
      { n: 2, at: ago(239) }, // open, not yet 4 h: untouched
      { n: 3, at: ago(600), out: ago(580) }, // checked out: untouched
      { n: 4, at: ago(240 + 47 * 60) }, // open, within the 48 h lookback: closed
      { n: 5, at: ago(240 + 49 * 60) }, // open, beyond the lookback: left to the maximum-stay cap and retention
    ]);
    const closed = await partitions.closeOverdue(now, 240);
    expect(closed).toBe(2);
    // Times as epoch milliseconds: the connection is drizzle's, which leaves timestamps unparsed.
    const rows = await database.sql<Array<{ id: string; checked_in_at: number; checked_out_at: number | null; closed_automatically: boolean }>>`
      select id::text, (extract(epoch from checked_in_at) * 1000)::float8 as checked_in_at,
             (extract(epoch from checked_out_at) * 1000)::float8 as checked_out_at, closed_automatically
      from check_ins where id::text like 'c1%' order by id`;
    const byN = Object.fromEntries(rows.map((r) => [Number(r.id.slice(-12)), r]));
    expect(byN[1]!.checked_out_at).toBe(byN[1]!.checked_in_at + 240 * 60_000);
    expect(byN[1]!.closed_automatically).toBe(true);
    expect(byN[4]!.closed_automatically).toBe(true);
    expect(byN[2]).toMatchObject({ checked_out_at: null, closed_automatically: false });
    expect(byN[3]!.closed_automatically).toBe(false);
    expect(byN[3]!.checked_out_at).toBe(ago(580).getTime());
    expect(byN[5]).toMatchObject({ checked_out_at: null, closed_automatically: false });
    expect(await partitions.closeOverdue(now, 240)).toBe(0);

    // To the API an automatic close is no recorded check-out, as before the job ran; a real
    // check-out (an offline scanner's, sent late) then replaces it.
    const repo = new CheckInRepository(database.db, DEFAULT_EXPOSURE_RULE);
    const [shown] = await repo.byIds([ciId('c1', 1)], now);
    expect(shown).toMatchObject({ checkedOutAt: null, closedAutomatically: true });
    const out = await repo.checkOut({ id: ciId('c1', 1), at: ago(200) }, now);
    expect(out).toMatchObject({ __typename: 'CheckedOut', checkIn: { checkedOutAt: ago(200), closedAutomatically: false } });
    const again = await repo.checkOut({ id: ciId('c1', 1), at: ago(200) }, now);
    expect(again).toMatchObject({ __typename: 'CheckedOut', checkIn: { checkedOutAt: ago(200) } });
    const other = await repo.checkOut({ id: ciId('c1', 1), at: ago(100) }, now);
    expect(other).toMatchObject({ __typename: 'InvalidCheckOut', field: 'at' });
  });

  itWithPostgres('runCheckinsMaintenance makes the week ahead, applies 21 days of retention and closes overdue visits', async () => {
    // Earlier than every other test's data, so that retention here cannot touch theirs.
    const now = utc('2016-07-22T09:00:00');
    await partitions.ensurePartitions(utc('2016-07-01T00:00:00'), 2); // 1–3 July 2016
    await insert('b1', [
      { n: 1, at: utc('2016-07-01T08:00:00'), out: utc('2016-07-01T09:00:00') }, // 21 days + 1 h old, but its day ends after the cutoff
      { n: 2, at: utc('2016-06-20T08:00:00') }, // default partition, past retention
      { n: 3, at: utc('2016-07-22T04:00:00') }, // open 5 h: closed
      { n: 4, at: utc('2016-07-22T08:00:00') }, // open 1 h: untouched
    ]);
    const before = await database.sql<Array<{ n: number }>>`select count(*)::int as n from check_ins where id::text not like 'b1%'`;
    const result = await runCheckinsMaintenance(database.db, now, { maxStayMinutes: 240 });
    expect(result.created).toEqual(Array.from({ length: 8 }, (_, i) => partitionName(new Date(Date.parse('2016-07-22T00:00:00Z') + i * DAY))));
    // Cutoff 2016-07-01T09:00Z: no July day lies wholly before it; the June row in the default partition does.
    expect(result.dropped).toEqual({ partitions: [], defaultRowsDeleted: 1 });
    expect(result.closed).toBe(1);
    expect(await placement('b1')).toEqual({ 1: 'check_ins_p20160701', 3: 'check_ins_p20160722', 4: 'check_ins_p20160722' });

    // The next day, 1 July falls out of retention as a whole day.
    const next = await runCheckinsMaintenance(database.db, utc('2016-07-23T00:30:00'), { maxStayMinutes: 240 });
    expect(next.created).toEqual(['check_ins_p20160730']);
    expect(next.dropped).toEqual({ partitions: [{ name: 'check_ins_p20160701', from: utc('2016-07-01T00:00:00'), to: utc('2016-07-02T00:00:00') }], defaultRowsDeleted: 0 });
    expect(next.closed).toBe(1); // row 4, open for 16.5 h by then
    expect(await placement('b1')).toEqual({ 3: 'check_ins_p20160722', 4: 'check_ins_p20160722' });
    const after = await database.sql<Array<{ n: number }>>`select count(*)::int as n from check_ins where id::text not like 'b1%'`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});
