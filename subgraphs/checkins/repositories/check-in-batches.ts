import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { CheckinsDb } from '../db/models.ts';
import { validateExposureRule, type ExposureRule } from '../rule.ts';
import { rejectedRow, type CheckedBatch, type CheckInRecordInput, type CheckInRejectionCode, type RejectedCheckIn } from '../validation.ts';
import { afterCopy, copyInto, inReservedTransaction, NOT_RESERVED } from '../../shared/copy.ts';
import { joinedArray, textArray, toDate, toDateOrNull, uuidArray } from '../../shared/sql.ts';
import { isoInstant } from '../../shared/scalars.ts';
import { truncate } from '../../shared/validate.ts';
import type { CheckInDto } from './check-ins.ts';
import { iso, SAME_ID_WINDOW_MS, toCheckInDto } from './check-in-rows.ts';

export interface RecordCheckInsResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedCheckIn[];
}

/**
 * Partners' batches of check-ins (recordCheckIns), stored with one COPY. The same rules as single
 * scans (check-ins.ts): an id within SAME_ID_WINDOW_MS of a stored check-in with that id is the same
 * check-in (a duplicate) or a reused id (a conflict).
 */
export class CheckInBatchRepository {
  private readonly rule: ExposureRule;

  constructor(private readonly db: CheckinsDb, rule: ExposureRule) {
    this.rule = validateExposureRule(rule);
  }

  /**
   * A partner's batch, its rows checked (validation.ts `checkBatch`): all QR codes are resolved
   * with one query, stored check-ins with the same ids near in time are read with one query, and
   * all new rows are stored with ONE statement (COPY; atomic by itself). Rows not stored are compared with the stored
   * ones: a retry is a duplicate, a reused id is rejected. An id sent twice in one batch is stored
   * once: the first row wins, later ones are compared with it.
   *
   * The look-up of stored check-ins runs while the COPY does, on another connection, and the COPY
   * commits only when the look-up found none near any of its rows: a fresh batch (the usual one)
   * waits for the longer of the two, not for both in turn. Otherwise the COPY is rolled back and
   * the rows not yet stored are written again.
   */
  async record(batch: CheckedBatch, now = new Date()): Promise<RecordCheckInsResult> {
    const rejected: RejectedCheckIn[] = [...batch.rejected];
    const reject = (index: number, row: CheckInRecordInput, code: CheckInRejectionCode, field: string, reason: string): void => {
      rejected.push(rejectedRow(index, row, code, field, reason));
    };
    const checked = batch.valid;
    const byIndex = (a: RejectedCheckIn, b: RejectedCheckIn) => a.index - b.index;
    if (checked.length === 0) return { accepted: 0, duplicates: 0, rejected: rejected.sort(byIndex) };

    // Started now, awaited below: it needs only ids and times (rows of unknown venues are probed
    // too, harmlessly). Its failure is handled where it is awaited, never left unhandled.
    const probe = this.storedNear(checked.map(({ row, id }) => ({ id, checkedInAt: row.checkedInAt })), now);
    probe.catch(() => {});

    const qrCodes = [...new Set(checked.map(({ row }) => row.qrCode))];
    const venues = await this.db
      .select({ id: schema.venues.id, qrCode: schema.venues.qrCode })
      .from(schema.venues)
      .where(sql`${schema.venues.qrCode} = any(${textArray(qrCodes)})`);
    const venueByQr = new Map(venues.map((v) => [v.qrCode, v.id]));

    type Good = NewRow & { index: number };
    const first: Good[] = [];
    const repeated: Good[] = [];
    const seen = new Set<string>();
    for (const { index, row, id } of checked) {
      const venueId = venueByQr.get(row.qrCode);
      if (!venueId) {
        reject(index, row, 'UNKNOWN_QR_CODE', 'qrCode', `No venue has QR code "${truncate(row.qrCode)}"`);
        continue;
      }
      const good = { index, id, personId: row.personId.toLowerCase(), venueId, checkedInAt: row.checkedInAt, checkedOutAt: row.checkedOutAt ?? null };
      if (seen.has(good.id)) repeated.push(good);
      else {
        seen.add(good.id);
        first.push(good);
      }
    }
    if (first.length === 0) {
      await probe.catch(() => {}); // not needed for the answer: its failure does not fail the batch
      return { accepted: 0, duplicates: 0, rejected: rejected.sort(byIndex) };
    }

    const stored = new Map<string, CheckInDto[]>();
    const remember = (c: CheckInDto) => stored.set(c.id, [...(stored.get(c.id) ?? []), c]);
    const isNear = (a: { checkedInAt: Date }, b: { checkedInAt: Date }) => Math.abs(a.checkedInAt.getTime() - b.checkedInAt.getTime()) <= SAME_ID_WINDOW_MS;
    const isFresh = (g: Good) => !(stored.get(g.id) ?? []).some((c) => isNear(g, c));
    const probed = probe.then((found) => {
      for (const c of found) remember(c);
      return first.every(isFresh);
    });
    probed.catch(() => {});

    let insertedIds = new Set<string>();
    const outcome = await this.copyIn(first, probed);
    if (outcome === 'stored') insertedIds = new Set(first.map((g) => g.id));
    else {
      await probed;
      const fresh = first.filter(isFresh);
      if (fresh.length > 0) {
        // Written without a second look-up. As with look-up-then-COPY, an upload of one of these
        // ids at a shifted time that commits in between is not seen; the window now also spans
        // the withdrawn COPY.
        if (outcome === 'withdrawn' && (await this.copyIn(fresh, Promise.resolve(true))) === 'stored') insertedIds = new Set(fresh.map((g) => g.id));
        else {
          // A concurrent upload stored one of these (id, time) pairs since the look-up (the COPY
          // was refused and stored nothing), or COPY is not available: insert, skipping what is
          // already there, then read what was skipped.
          insertedIds = await this.insertSkippingStored(fresh);
          const skipped = fresh.filter((g) => !insertedIds.has(g.id));
          if (skipped.length > 0) for (const c of await this.storedNear(skipped, now)) remember(c);
        }
      }
    }

    // What a later row with the same id is compared with: the first row if it was stored.
    const firstStored = new Map<string, Good>();
    if (repeated.length > 0) for (const g of first) if (insertedIds.has(g.id)) firstStored.set(g.id, g);

    let duplicates = 0;
    const compare = (g: Good): void => {
      const candidates: Array<{ personId: string; venueId: string; checkedInAt: Date }> = [
        ...(stored.get(g.id) ?? []),
        ...(firstStored.has(g.id) ? [firstStored.get(g.id)!] : []),
      ];
      const near = candidates
        .filter((c) => isNear(c, g))
        .sort((a, b) => Math.abs(a.checkedInAt.getTime() - g.checkedInAt.getTime()) - Math.abs(b.checkedInAt.getTime() - g.checkedInAt.getTime()))[0];
      if (near && near.personId === g.personId && near.venueId === g.venueId) duplicates += 1;
      else reject(g.index, batch.rows[g.index]!, 'ID_CONFLICT', 'id', `id ${g.id} was already used for another person or venue`);
    };
    if (insertedIds.size < first.length) for (const g of first) if (!insertedIds.has(g.id)) compare(g);
    for (const g of repeated) compare(g);
    return { accepted: insertedIds.size, duplicates, rejected: rejected.sort(byIndex) };
  }

  /**
   * Stored check-ins with the ids of `rows`, each within SAME_ID_WINDOW_MS of its row's time: ONE
   * statement, one primary-key probe per row. The lateral subquery (kept one by OFFSET 0) pins
   * that plan: with thousands of ids in `= any(…)` or a plain join, and the statistics of a day
   * being written, the planner was seen scanning the days' partitions whole (150–300 ms for 5000
   * rows instead of a few). The batch's overall time range prunes partitions at plan time, each
   * row's own window at run time.
   */
  private async storedNear(rows: ReadonlyArray<{ id: string; checkedInAt: Date }>, now: Date): Promise<CheckInDto[]> {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rows) {
      lo = Math.min(lo, r.checkedInAt.getTime());
      hi = Math.max(hi, r.checkedInAt.getTime());
    }
    const window = sql.raw(`interval '${SAME_ID_WINDOW_MS / 1000} seconds'`);
    // Thousands of loops cost enough on paper to trigger JIT, whose compilation (~20 ms) would take
    // longer than the probes: the subgraph's connections have it off (shared/db.ts).
    const found = await this.db.execute<StoredSqlRow>(sql`
      select c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at, c.closed_automatically
      from unnest(${joinedArray(rows.map((r) => r.id))}::uuid[], ${joinedArray(rows.map((r) => isoInstant(r.checkedInAt.getTime())))}::timestamptz[]) as r(id, at)
      cross join lateral (
        select * from check_ins c
        where c.id = r.id
          and c.checked_in_at between r.at - ${window} and r.at + ${window}
          and c.checked_in_at between ${new Date(lo - SAME_ID_WINDOW_MS).toISOString()}::timestamptz
                                  and ${new Date(hi + SAME_ID_WINDOW_MS).toISOString()}::timestamptz
        offset 0 -- keeps the subquery a subquery: a nested loop of index probes, never a join of whole partitions
      ) as c`);
    return found.map((r) =>
      toCheckInDto(
        { id: r.id, personId: r.person_id, venueId: r.venue_id, checkedInAt: toDate(r.checked_in_at), checkedOutAt: toDateOrNull(r.checked_out_at), closedAutomatically: r.closed_automatically },
        this.rule,
        now,
      ),
    );
  }

  /**
   * Stores new rows with COPY … FROM STDIN: one statement, all or nothing, and PostgreSQL's
   * fastest way in (it fills each partition's pages in bulk, where INSERT … SELECT goes row by
   * row; see tests/bench/ingest.bench.ts). Its transaction commits once the COPY is done and
   * `keep` says yes. 'stored': every row was stored. 'withdrawn': `keep` said no or failed, or not within
   * LOOK_UP_WAIT_MS; nothing was stored. 'refused': the server refused the COPY and nothing was stored (a row whose
   * (id, checked_in_at) is already there; the caller's INSERT then skips it, or raises any other
   * error). 'unavailable': not a pooled postgres.js handle; the caller's INSERT does the same, slower.
   */
  private async copyIn(rows: readonly NewRow[], keep: Promise<boolean>): Promise<'stored' | 'withdrawn' | 'refused' | 'unavailable'> {
    if (rows.length === 0) return 'stored';
    const data = copyData(rows);
    // In a transaction of its own, so that a refused COPY is visible (shared/copy.ts copyInto): the
    // transaction is then aborted, and COMMIT answers ROLLBACK instead of failing.
    const outcome = await inReservedTransaction(this.db, async (transaction) => {
      const failed = await copyInto(transaction, 'copy check_ins (id, person_id, venue_id, checked_in_at, checked_out_at) from stdin', data);
      // The server refuses a COPY with an error on an open connection; any other error is the connection's.
      if (failed && !(failed instanceof postgres.PostgresError)) throw failed;
      // A failed look-up withdraws the rows too; the caller then reports its error.
      const end = (await within(keep, LOOK_UP_WAIT_MS).catch(() => false)) === true ? 'commit' : 'rollback';
      const ended = await afterCopy(transaction, () => (end === 'commit' ? transaction.sql`commit` : transaction.sql`rollback`));
      if (end === 'rollback') return 'withdrawn';
      return ended.command === 'COMMIT' ? 'stored' : 'refused';
    });
    return outcome === NOT_RESERVED ? 'unavailable' : outcome;
  }

  /** The rows as five arrays (unnest), ONE INSERT … ON CONFLICT (id, checked_in_at) DO NOTHING; the ids it stored. */
  private async insertSkippingStored(rows: readonly NewRow[]): Promise<Set<string>> {
    // Times travel as text[]: drizzle hands timestamptz[] parameters to postgres.js unserialised.
    // No check-out is '' rather than null, so the array's type never depends on its first element.
    const inserted = await this.db.execute<{ id: string }>(sql`
      insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at)
      select r.id, r.person_id, r.venue_id, r.checked_in_at, nullif(r.checked_out_text, '')::timestamptz
      from unnest(
        ${uuidArray(rows.map((g) => g.id))}, ${uuidArray(rows.map((g) => g.personId))}, ${uuidArray(rows.map((g) => g.venueId))},
        ${sql.param(rows.map((g) => g.checkedInAt.toISOString()))}::text[]::timestamptz[],
        ${sql.param(rows.map((g) => iso(g.checkedOutAt) ?? ''))}::text[]
      ) as r(id, person_id, venue_id, checked_in_at, checked_out_text)
      on conflict (id, checked_in_at) do nothing
      returning id`);
    return new Set(inserted.map((r) => r.id));
  }
}

/** A row of a batch, checked and with its venue resolved. */
interface NewRow {
  id: string;
  personId: string;
  venueId: string;
  checkedInAt: Date;
  checkedOutAt: Date | null;
}

/**
 * How long a finished COPY waits for the look-up of stored ids before giving up its locks. The
 * look-up runs on another connection: queued behind a lock request that itself waits for the
 * COPY's transaction (a partition being created or dropped, a migration), it would wait for ever,
 * and PostgreSQL cannot see a cycle that goes through the client. Rolling back breaks it; the rows
 * are then written after the look-up, as a withdrawn COPY's are.
 */
const LOOK_UP_WAIT_MS = 1000;

/** `promise`'s value, or 'late' when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The longest line copyData writes: three UUIDs, two instants (24 characters up to year 9999; room for 30), separators. */
const MAX_COPY_LINE = 3 * 36 + 2 * 30 + 5;

/** Rows per piece of COPY data: pieces of about 60 kB are allocated and copied (postgres.js copies each into its message) without fresh pages from the kernel, which a megabyte buffer needs every time. */
const COPY_ROWS_PER_PIECE = 350;

/**
 * The rows in COPY's text format, written straight into buffers: a quarter of the CPU of building
 * the text as a string and encoding it (measured: 3 ms instead of 11.5 for 5,000 rows).
 * Ids are validated UUIDs and times ISO instants: ASCII, nothing to escape.
 */
function copyData(rows: readonly NewRow[]): Buffer[] {
  const pieces: Buffer[] = [];
  const TAB = 9;
  for (let start = 0; start < rows.length; start += COPY_ROWS_PER_PIECE) {
    const end = Math.min(start + COPY_ROWS_PER_PIECE, rows.length);
    const out = Buffer.allocUnsafe((end - start) * MAX_COPY_LINE);
    let at = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      at += out.write(r.id, at, 'latin1');
      out[at++] = TAB;
      at += out.write(r.personId, at, 'latin1');
      out[at++] = TAB;
      at += out.write(r.venueId, at, 'latin1');
      out[at++] = TAB;
      at += out.write(isoInstant(r.checkedInAt.getTime()), at, 'latin1');
      out[at++] = TAB;
      at += r.checkedOutAt ? out.write(isoInstant(r.checkedOutAt.getTime()), at, 'latin1') : out.write('\\N', at, 'latin1');
      out[at++] = 10; // newline
    }
    pieces.push(out.subarray(0, at));
  }
  return pieces;
}

interface StoredSqlRow extends Record<string, unknown> {
  id: string;
  person_id: string;
  venue_id: string;
  checked_in_at: string;
  checked_out_at: string | null;
  closed_automatically: boolean;
}
