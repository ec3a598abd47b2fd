import { sql } from 'drizzle-orm';
import type { CheckinsDb } from './db/models.ts';
import { sqlState } from '../shared/sql.ts';
import { DEFAULT_EXPOSURE_RULE } from './rule.ts';

/**
 * Daily partitions of `check_ins` (range on checked_in_at, one per UTC day, created by the
 * migration `partition_check_ins_by_day`): making them ahead of time, retention, and closing
 * visits left open past the maximum stay. Every method is idempotent and safe to run from several
 * processes at once, so a repeatable job may run it as often as it likes.
 */

const DAY_MS = 86_400_000;
const TABLE = 'check_ins';
export const DEFAULT_PARTITION = 'check_ins_default';

/**
 * How long maintenance DDL waits for its lock before giving up (and leaving the work to the next
 * run). Creating or dropping a partition holds check_ins exclusively for a few milliseconds;
 * while the DDL waits behind a long query, every query queued behind it waits too, so it is
 * better to give up soon and retry (partitions are made a week ahead, so a missed run is harmless).
 */
const LOCK_TIMEOUT = '3s';

export const DEFAULT_RETENTION_DAYS = 21;
export const DEFAULT_DAYS_AHEAD = 7;
/** closeOverdue looks this far back beyond the maximum stay (covers missed runs; keeps the scan to two or three days). */
export const DEFAULT_CLOSE_LOOKBACK_HOURS = 48;

/** The UTC day that contains `at`, as its first instant. */
export function utcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** `check_ins_p20250701` for the partition holding 2025-07-01T00:00Z up to 2025-07-02T00:00Z. */
export function partitionName(day: Date): string {
  return `${TABLE}_p${utcDay(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export interface PartitionInfo {
  name: string;
  /** null for the default partition. */
  from: Date | null;
  to: Date | null;
}

export interface DroppedCheckIns {
  /** Daily partitions dropped, each wholly older than the cutoff. */
  partitions: PartitionInfo[];
  /** Rows deleted from the default partition (checked in before the cutoff). */
  defaultRowsDeleted: number;
}

// 42P07 duplicate_table; 23505 a concurrent CREATE won the race on the catalog's unique index;
// 42P17 the range is already covered (another process attached it under the same name first).
const RACE_CODES = new Set(['42P07', '23505', '42P17']);
// 55P03 lock_not_available (lock_timeout); 40P01 deadlock; 23514 the default partition holds a
// row of the day after all (the next run moves it).
const RETRY_LATER_CODES = new Set(['55P03', '40P01', '23514']);

export class CheckinPartitions {
  constructor(private readonly db: CheckinsDb) {}

  /** Every partition of check_ins with its bounds, oldest first, the default partition last. */
  async list(): Promise<PartitionInfo[]> {
    // The bounds are printed in the session's time zone with its offset; casting them back gives the instant.
    const rows = await this.db.execute<{ name: string; lo: string | null; hi: string | null }>(sql`
      select c.relname as name,
             (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz as lo,
             (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz as hi
      from pg_inherits i
      join pg_class c on c.oid = i.inhrelid
      where i.inhparent = ${TABLE}::regclass
      order by lo nulls last, name`);
    return rows.map((r) => ({ name: r.name, from: r.lo === null ? null : new Date(r.lo), to: r.hi === null ? null : new Date(r.hi) }));
  }

  /**
   * Makes sure a partition exists for every UTC day from `from`'s day to `daysAhead` days later
   * (inclusive); returns the names of those it created. Safe to call concurrently.
   *
   * Each partition is made in one short transaction that holds check_ins exclusively: a plain
   * table is created, the rows of that day that reached the default partition meanwhile are
   * moved into it (attaching would refuse them), and it is attached. Partitions are made days
   * ahead, so the exclusive moment normally touches no day anyone is writing.
   */
  async ensurePartitions(from: Date, daysAhead: number): Promise<string[]> {
    if (!Number.isInteger(daysAhead) || daysAhead < 0) throw new Error(`daysAhead must be a non-negative integer, got ${daysAhead}`);
    const existing = new Set((await this.list()).map((p) => p.name));
    const created: string[] = [];
    const first = utcDay(from).getTime();
    for (let i = 0; i <= daysAhead; i++) {
      const day = new Date(first + i * DAY_MS);
      const name = partitionName(day);
      if (existing.has(name)) continue;
      if (await this.createPartition(day)) created.push(name);
    }
    return created;
  }

  /**
   * Creates and attaches one day's partition; false when another process made it first, or when
   * it could not get its lock in time (the next run tries again; meanwhile rows of that day go to
   * the default partition, and the next run moves them).
   */
  private async createPartition(day: Date, attempt = 1): Promise<boolean> {
    const name = partitionName(day);
    const lo = day.toISOString();
    const hi = new Date(day.getTime() + DAY_MS).toISOString();
    const table = sql.identifier(name);
    try {
      await this.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`));
        // ACCESS EXCLUSIVE, as CREATE TABLE … PARTITION OF would take: ATTACH alone needs only
        // SHARE UPDATE EXCLUSIVE, but then an INSERT that routed its row to the default partition
        // before the ATTACH committed fails (23514, seen under concurrent writes). Writers wait
        // for the lock instead (milliseconds; lock_timeout bounds it) and route afresh after.
        // It also makes concurrent creators queue here rather than deadlock over the default partition.
        await tx.execute(sql.raw(`lock table ${TABLE} in access exclusive mode`));
        // No IF NOT EXISTS: a concurrent creator must make us fail here (and roll back) rather
        // than attach a table the other transaction is attaching too.
        await tx.execute(sql`create table ${table} (like ${sql.identifier(TABLE)} including defaults including constraints)`);
        await tx.execute(sql`
          with moved as (
            delete from ${sql.identifier(DEFAULT_PARTITION)}
            where checked_in_at >= ${lo}::timestamptz and checked_in_at < ${hi}::timestamptz
            returning id, person_id, venue_id, checked_in_at, checked_out_at, closed_automatically, created_at
          )
          insert into ${table} (id, person_id, venue_id, checked_in_at, checked_out_at, closed_automatically, created_at)
          select id, person_id, venue_id, checked_in_at, checked_out_at, closed_automatically, created_at from moved`);
        // Bounds must be literals here; both are ISO strings made above.
        await tx.execute(sql.raw(`alter table ${TABLE} attach partition ${name} for values from ('${lo}') to ('${hi}')`));
      });
      return true;
    } catch (error) {
      const code = sqlState(error);
      if (RACE_CODES.has(code)) return false;
      // Should not happen under the exclusive lock, but is harmless to retry.
      if ((code === '23514' || code === '40P01') && attempt < 3) return this.createPartition(day, attempt + 1);
      if (RETRY_LATER_CODES.has(code)) return false;
      throw error;
    }
  }

  /**
   * Retention: drops every daily partition that lies wholly before `cutoff` and deletes the
   * default partition's rows checked in before it. A partition straddling the cutoff is kept
   * until the next day's run, so rows live at most one day longer than the retention period.
   */
  async dropOlderThan(cutoff: Date): Promise<DroppedCheckIns> {
    const dropped: PartitionInfo[] = [];
    for (const partition of await this.list()) {
      if (!partition.to || partition.to.getTime() > cutoff.getTime()) continue;
      try {
        await this.db.transaction(async (tx) => {
          await tx.execute(sql.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`));
          await tx.execute(sql`drop table if exists ${sql.identifier(partition.name)}`);
        });
        dropped.push(partition);
      } catch (error) {
        // Busy (lock timeout): the next run drops it; anything else is a real failure.
        if (!RETRY_LATER_CODES.has(sqlState(error))) throw error;
      }
    }
    const deleted = await this.db.execute<{ n: number }>(sql`
      with gone as (delete from ${sql.identifier(DEFAULT_PARTITION)} where checked_in_at < ${cutoff.toISOString()}::timestamptz returning 1)
      select count(*)::int as n from gone`);
    return { partitions: dropped, defaultRowsDeleted: deleted[0]?.n ?? 0 };
  }

  /**
   * Closes visits left open past the maximum stay: checked_out_at = checked_in_at + maxStay, with
   * closed_automatically set (the API still reports no recorded check-out). Only check-ins from
   * the last `lookbackHours` beyond the maximum stay are looked at, so the statement touches two or
   * three daily partitions however large the table; older open visits count until the maximum
   * stay anyway (the exposure search caps every visit) and go with retention. Returns how many it closed.
   */
  async closeOverdue(now: Date, maxStayMinutes: number, lookbackHours = DEFAULT_CLOSE_LOOKBACK_HOURS): Promise<number> {
    if (!Number.isInteger(maxStayMinutes) || maxStayMinutes <= 0) throw new Error(`maxStayMinutes must be a positive integer, got ${maxStayMinutes}`);
    const latest = new Date(now.getTime() - maxStayMinutes * 60_000);
    const earliest = new Date(latest.getTime() - lookbackHours * 3_600_000);
    const rows = await this.db.execute<{ n: number }>(sql`
      with closed as (
        update check_ins
        set checked_out_at = checked_in_at + ${maxStayMinutes}::int * interval '1 minute', closed_automatically = true
        where checked_out_at is null
          and checked_in_at <= ${latest.toISOString()}::timestamptz
          and checked_in_at >= ${earliest.toISOString()}::timestamptz
        returning 1
      )
      select count(*)::int as n from closed`);
    return rows[0]?.n ?? 0;
  }
}

export interface CheckinsMaintenanceOptions {
  retentionDays?: number;
  daysAhead?: number;
  maxStayMinutes?: number;
}

export interface CheckinsMaintenanceResult {
  created: string[];
  dropped: DroppedCheckIns;
  closed: number;
}

/**
 * Everything the repeatable maintenance job does, in order: partitions for today and the next
 * `daysAhead` days, retention (`retentionDays`, default 21), and closing overdue open visits.
 */
export async function runCheckinsMaintenance(
  db: CheckinsDb,
  now: Date,
  { retentionDays = DEFAULT_RETENTION_DAYS, daysAhead = DEFAULT_DAYS_AHEAD, maxStayMinutes = DEFAULT_EXPOSURE_RULE.maxStayMinutes }: CheckinsMaintenanceOptions = {},
): Promise<CheckinsMaintenanceResult> {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error(`retentionDays must be a positive integer, got ${retentionDays}`);
  const partitions = new CheckinPartitions(db);
  const created = await partitions.ensurePartitions(now, daysAhead);
  const dropped = await partitions.dropOlderThan(new Date(now.getTime() - retentionDays * DAY_MS));
  const closed = await partitions.closeOverdue(now, maxStayMinutes);
  return { created, dropped, closed };
}
