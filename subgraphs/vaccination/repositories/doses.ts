import { asc, sql, type SQL } from 'drizzle-orm';
import { afterCopy, copyInto, copyStraight, copyText, executorOf, inReservedTransaction, NOT_RESERVED } from '../../shared/copy.ts';
import { vietnamDay, vietnamDayNumber, type NewDomainEvent } from '../../shared/events.ts';
import { eventsInsert } from '../../shared/outbox.ts';
import { anyUuid, joinedArray, textArray, uuidArray } from '../../shared/sql.ts';
import type { DoseScope } from '../access.ts';
import type { AdverseEventRow, DoseRow, PersonStatusRow, VaccinationDb } from '../db/models.ts';
import { adverseEvents, doses, personStatus, type AdverseEventSeverity } from '../db/schema.ts';
import type { DoseRecord } from '../validation.ts';
import { refreshRollups } from './rollups.ts';

/** What became of one valid row of an upload. */
export type RecordOutcome = 'accepted' | 'duplicate' | 'conflict';

const key = (source: string, recordId: string) => `${source}\u0000${recordId}`;
const time = (d: Date | null) => d?.getTime() ?? null;

/** Whether a stored dose says what the record says (the same upload again). */
function sameValues(row: Pick<DoseRecord, keyof DoseRecord>, d: DoseRecord): boolean {
  return (
    row.personId === d.personId && row.productCode === d.productCode && row.doseNumber === d.doseNumber && time(row.administeredAt) === time(d.administeredAt) &&
    row.lot === d.lot && row.siteProvinceCode === d.siteProvinceCode && row.siteId === d.siteId && row.wardCode === d.wardCode &&
    row.legacyWardCode === d.legacyWardCode && row.birthYear === d.birthYear
  );
}

/** The SQL form of a read scope (access.ts `admitsDose`); undefined when every row is visible. */
function visible(scope: Exclude<DoseScope, { kind: 'NONE' }>): SQL | undefined {
  switch (scope.kind) {
    case 'ALL':
      return undefined;
    case 'PROVINCES':
      return sql`(${doses.provinceCode} = any(${textArray(scope.provinces)}) or ${doses.siteProvinceCode} = any(${textArray(scope.provinces)}))`;
    case 'PERSON':
      return sql`${doses.personId} = ${scope.personId}::uuid`;
  }
}

/** The columns of `doses` an upload writes, in this order. */
export const DOSE_COLUMNS = 'source, record_id, person_id, product_code, dose_number, lot, administered_at, site_province_code, site_id, ward_code, province_code, legacy_ward_code, birth_year';

/**
 * The temporary table an upload is COPYed into (per connection, emptied at each commit). After
 * the move into `doses` it holds exactly the doses the upload stored, which the events and the
 * rollups then read in SQL: no key or id goes back and forth between the subgraph and the server.
 */
const UPLOAD = 'dose_upload';
const UPLOAD_COLUMNS =
  'source text, record_id text, person_id uuid, product_code text, dose_number smallint, lot text, administered_at timestamptz, site_province_code text, site_id uuid, ward_code text, province_code text, legacy_ward_code text, birth_year smallint';

/**
 * The upload's new doses' `doses.tallied` event (shared/events.ts), into the outbox in its
 * transaction: their counts by Viet Nam day (UTC+7) given and residence ward, which is all that
 * analytics counts. One event per upload: an event per dose, or per day and ward, made relaying
 * and consuming them cost more CPU than storing the doses (tests/bench/vaccination-ingest).
 * `dosesTallied` when every record of the upload was stored; EVENTS_OF_UPLOAD, from the temporary
 * table, when some were not.
 */
function dosesTallied(rows: readonly DoseRecord[]): NewDomainEvent {
  // Grouped by the Viet Nam day's number, its date string made once per group.
  const groups = new Map<string, { first: Date; province: string; ward: string; count: number }>();
  let first = rows[0]!.administeredAt;
  for (const r of rows) {
    const k = `${vietnamDayNumber(r.administeredAt)}|${r.wardCode}`;
    const group = groups.get(k);
    if (!group) groups.set(k, { first: r.administeredAt, province: r.provinceCode, ward: r.wardCode, count: 1 });
    else group.count++;
    if (r.administeredAt < first) first = r.administeredAt;
  }
  const counts = [...groups.values()].map((g) => ({ day: vietnamDay(g.first), province: g.province, ward: g.ward, count: g.count }));
  return { type: 'doses.tallied', occurredAt: first, day: vietnamDay(first), province: null, ward: null, payload: { counts } };
}

/**
 * The doses one COPY of `rows` just stored, as rollups.ts reads them: their people's doses (an
 * index probe per person) written by that COPY's subtransaction, whose id the first record's row
 * carries (copyStraight's savepoint gives every row of the COPY that one xmin, and no other row).
 */
function copiedDoses(rows: readonly DoseRecord[]): SQL {
  const people = [...new Set(rows.map((r) => r.personId))];
  return sql`(select * from doses where person_id = any(${joinedArray(people)}::uuid[])
              and xmin = (select xmin from doses where source = ${rows[0]!.source} and record_id = ${rows[0]!.recordId}))`;
}

const EVENTS_OF_UPLOAD = `
  insert into outbox_events (id, type, occurred_at, day, province, ward, payload)
  select gen_random_uuid(), 'doses.tallied', min(first), min(day), null, null,
         jsonb_build_object('counts', jsonb_agg(jsonb_build_object('day', day, 'province', province_code, 'ward', ward_code, 'count', n) order by day, ward_code))
  from (select day, province_code, ward_code, count(*) as n, min(administered_at) as first
        from (select administered_at, ((administered_at at time zone 'UTC') + interval '7 hours')::date as day, province_code, ward_code from ${UPLOAD}) d
        group by day, province_code, ward_code) g
  having count(*) > 0`;

/** The upload's stored doses as rollups.ts reads them (their recorded_at: this transaction's). */
const NEW_DOSES = sql.raw(`(select *, now() as recorded_at from ${UPLOAD})`);

/** NULL in COPY's text format. */
const NULL = '\\N';

/** Rows per piece of COPY data written to the stream. */
const COPY_ROWS_PER_PIECE = 500;

/** The rows in COPY's text format, DOSE_COLUMNS order, in pieces. */
function copyData(rows: readonly DoseRecord[]): Buffer[] {
  const pieces: Buffer[] = [];
  for (let start = 0; start < rows.length; start += COPY_ROWS_PER_PIECE) {
    let text = '';
    for (let i = start; i < Math.min(start + COPY_ROWS_PER_PIECE, rows.length); i++) {
      const r = rows[i]!;
      // Only the free texts need escaping; codes, ids and numbers were validated (validation.ts).
      text += `${copyText(r.source)}\t${copyText(r.recordId)}\t${r.personId}\t${r.productCode}\t${r.doseNumber}\t${copyText(r.lot)}\t${r.administeredAt.toISOString()}\t${r.siteProvinceCode ?? NULL}\t${r.siteId ?? NULL}\t${r.wardCode}\t${r.provinceCode}\t${r.legacyWardCode ?? NULL}\t${r.birthYear}\n`;
    }
    pieces.push(Buffer.from(text, 'utf8'));
  }
  return pieces;
}

/** Doses (mũi tiêm): sites' uploads, adverse events, reads by person or id. */
export class DoseRepository {
  constructor(private readonly db: VaccinationDb) {}

  /**
   * Stores an upload's valid doses and brings statuses and coverage up to date, in one transaction
   * with a fixed number of statements (copyIn). Only the rows it skipped (sent before) are looked
   * up, after it, to tell a duplicate (the same values) from a conflict (a record id reused for
   * other values). Outcomes in input order; a record repeated within the upload is judged against
   * its first occurrence.
   */
  async record(records: readonly DoseRecord[]): Promise<RecordOutcome[]> {
    if (records.length === 0) return [];
    const outcomes: RecordOutcome[] = new Array(records.length);
    const firstInBatch = new Map<string, DoseRecord>();
    const fresh: Array<{ index: number; record: DoseRecord }> = [];
    records.forEach((record, index) => {
      const k = key(record.source, record.recordId);
      const first = firstInBatch.get(k);
      if (first) return void (outcomes[index] = sameValues(first, record) ? 'duplicate' : 'conflict');
      firstInBatch.set(k, record);
      fresh.push({ index, record });
    });
    const rows = fresh.map((f) => f.record);
    const skipped = (await this.copyIn(rows)) ?? (await this.insertUnnest(rows));
    if (skipped.size === 0) {
      for (const { index } of fresh) outcomes[index] = 'accepted';
      return outcomes;
    }
    const storedByKey = new Map((await this.stored(rows.filter((r) => skipped.has(key(r.source, r.recordId))))).map((row) => [key(row.source, row.recordId), row]));
    for (const { index, record } of fresh) {
      const k = key(record.source, record.recordId);
      if (!skipped.has(k)) outcomes[index] = 'accepted';
      else outcomes[index] = sameValues(storedByKey.get(k)! as never, record) ? 'duplicate' : 'conflict';
    }
    return outcomes;
  }

  /**
   * The stored doses of these records. An upload has one source (its site): `source = $1 and
   * record_id = any($2)` is an index look-up of (source, record_id) per record, where matching
   * pairs of arrays would scan the table.
   */
  private async stored(records: readonly DoseRecord[]): Promise<DoseRow[]> {
    const stored: DoseRow[] = [];
    for (const source of new Set(records.map((r) => r.source))) {
      const ids = records.filter((r) => r.source === source).map((r) => r.recordId);
      stored.push(...(await this.db.select().from(doses).where(sql`${doses.source} = ${source} and ${doses.recordId} = any(${textArray(ids)})`)));
    }
    return stored;
  }

  /**
   * The rows through COPY on a reserved connection (subgraphs/shared/db.ts ReservedTransaction),
   * one transaction. An upload of new doses (nearly every one) is COPYed straight into `doses`
   * (copyStraight), its events written from the records and the rollups refreshed from the rows
   * that COPY stored (copiedDoses): one pass over the data in the server, which parses it once.
   * When a record was stored before (a retry, or a concurrent upload of the same record, whose
   * commit the unique index makes the COPY wait for), the server refuses the COPY and the
   * savepoint undoes it: the rows go into the temporary table, INSERT … ON CONFLICT DO NOTHING
   * moves the new ones into `doses`, the skipped ones are deleted from the temporary table, and
   * the events and the rollups read what is left there. The keys skipped (sent before); null when
   * the handle is not a postgres.js pool (then insertUnnest does the same).
   */
  private async copyIn(rows: readonly DoseRecord[]): Promise<Set<string> | null> {
    if (rows.length === 0) return new Set();
    const skipped = await inReservedTransaction(this.db, async (transaction) => {
      const execute = executorOf(transaction);
      const data = copyData(rows);
      const skipped = new Set<string>();
      if (await copyStraight(transaction, `copy doses (${DOSE_COLUMNS}) from stdin`, data)) {
        await execute.execute(eventsInsert([dosesTallied(rows)]));
        await refreshRollups(execute, copiedDoses(rows));
      } else {
        await transaction.run(() => transaction.sql.unsafe(`create temp table if not exists ${UPLOAD} (${UPLOAD_COLUMNS}) on commit delete rows`));
        const failed = await copyInto(transaction, `copy ${UPLOAD} (${DOSE_COLUMNS}) from stdin`, data);
        if (failed) throw failed;
        const left = await afterCopy(transaction, () =>
          transaction.sql.unsafe(`
            with inserted as (insert into doses (${DOSE_COLUMNS}) select ${DOSE_COLUMNS} from ${UPLOAD} on conflict (source, record_id) do nothing returning source, record_id)
            delete from ${UPLOAD} u where not exists (select from inserted i where i.source = u.source and i.record_id = u.record_id)
            returning u.source, u.record_id`),
        );
        for (const row of left) skipped.add(key(row.source as string, row.record_id as string));
        if (skipped.size < rows.length) {
          await transaction.run(() => transaction.sql.unsafe(EVENTS_OF_UPLOAD));
          await refreshRollups(execute, NEW_DOSES);
        }
      }
      await transaction.run(() => transaction.sql`commit`);
      return skipped;
    });
    return skipped === NOT_RESERVED ? null : skipped;
  }

  /** The same as copyIn with one multi-row INSERT … ON CONFLICT (arrays through unnest), in a drizzle transaction. */
  private insertUnnest(rows: readonly DoseRecord[]): Promise<Set<string>> {
    if (rows.length === 0) return Promise.resolve(new Set());
    return this.db.transaction(async (tx) => {
      const column = <T>(value: (r: DoseRecord) => T) => sql.param(rows.map(value));
      await tx.execute(sql.raw(`create temp table if not exists ${UPLOAD} (${UPLOAD_COLUMNS}) on commit delete rows`));
      const inserted = await tx.execute<{ source: string; record_id: string }>(sql`
        with inserted as (
          insert into doses (${sql.raw(DOSE_COLUMNS)})
          select * from unnest(${textArray(rows.map((r) => r.source))}, ${textArray(rows.map((r) => r.recordId))}, ${uuidArray(rows.map((r) => r.personId))},
                               ${textArray(rows.map((r) => r.productCode))}, ${column((r) => r.doseNumber)}::smallint[], ${column((r) => r.lot)}::text[],
                               ${textArray(rows.map((r) => r.administeredAt.toISOString()))}::timestamptz[], ${column((r) => r.siteProvinceCode)}::text[], ${column((r) => r.siteId)}::uuid[],
                               ${textArray(rows.map((r) => r.wardCode))}, ${textArray(rows.map((r) => r.provinceCode))}, ${column((r) => r.legacyWardCode)}::text[],
                               ${column((r) => r.birthYear)}::smallint[])
          on conflict (source, record_id) do nothing
          returning ${sql.raw(DOSE_COLUMNS)})
        insert into ${sql.raw(UPLOAD)} (${sql.raw(DOSE_COLUMNS)}) select ${sql.raw(DOSE_COLUMNS)} from inserted returning source, record_id`);
      if (inserted.length > 0) {
        await tx.execute(sql.raw(EVENTS_OF_UPLOAD));
        await refreshRollups(tx as never, NEW_DOSES);
      }
      const written = new Set(inserted.map((r) => key(r.source, r.record_id)));
      return new Set(rows.map((r) => key(r.source, r.recordId)).filter((k) => !written.has(k)));
    });
  }

  /** Doses by id, whoever may see them (the reader decides each one). */
  byIds(ids: readonly string[]): Promise<DoseRow[]> {
    return this.db.select().from(doses).where(anyUuid(doses.id, ids));
  }

  /** The doses of these people within the scope, earliest first. */
  byPersonIds(personIds: readonly string[], scope: Exclude<DoseScope, { kind: 'NONE' }>): Promise<DoseRow[]> {
    const predicate = visible(scope);
    return this.db
      .select()
      .from(doses)
      .where(sql`${anyUuid(doses.personId, personIds)} ${predicate ? sql`and ${predicate}` : sql``}`)
      .orderBy(asc(doses.administeredAt), asc(doses.doseNumber), asc(doses.id));
  }

  /** The status rows of these people (absent: no dose recorded). */
  statusOf(personIds: readonly string[]): Promise<PersonStatusRow[]> {
    return this.db.select().from(personStatus).where(anyUuid(personStatus.personId, personIds));
  }

  adverseEventsOf(doseIds: readonly string[]): Promise<AdverseEventRow[]> {
    return this.db.select().from(adverseEvents).where(anyUuid(adverseEvents.doseId, doseIds)).orderBy(asc(adverseEvents.doseId), asc(adverseEvents.occurredAt));
  }

  async reportAdverseEvent(input: { doseId: string; occurredAt: Date; severity: AdverseEventSeverity; description: string; reportedBy: string }): Promise<AdverseEventRow> {
    const [row] = await this.db.insert(adverseEvents).values(input).returning();
    return row!;
  }
}
