import { asc, sql, type SQL } from 'drizzle-orm';
import { anyUuid, textArray, uuidArray } from '../../shared/sql.ts';
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

/** The columns of `doses` an upload writes, as unnest arrays, in this order. */
export const DOSE_COLUMNS = 'source, record_id, person_id, product_code, dose_number, lot, administered_at, site_province_code, site_id, ward_code, province_code, legacy_ward_code, birth_year';

/** Doses (mũi tiêm): sites' uploads, adverse events, reads by person or id. */
export class DoseRepository {
  constructor(private readonly db: VaccinationDb) {}

  /**
   * Stores an upload's valid doses and brings statuses and coverage up to date, in one transaction
   * with a fixed number of statements: one look-up of the records already stored, one multi-row
   * INSERT of the new ones (arrays through unnest), then the rollups (rollups.ts). Outcomes in
   * input order. A record repeated in the upload is a duplicate of its first occurrence when it
   * says the same, otherwise a conflict; a record a concurrent upload stored first counts as a
   * duplicate (its rollups are that upload's).
   */
  async record(records: readonly DoseRecord[]): Promise<RecordOutcome[]> {
    if (records.length === 0) return [];
    return this.db.transaction(async (tx) => {
      // An upload has one source (its site): `source = $1 and record_id = any($2)` is an index look-up
      // of (source, record_id) per record, where matching pairs of arrays would scan the table.
      const stored: DoseRow[] = [];
      for (const source of new Set(records.map((r) => r.source))) {
        const ids = records.filter((r) => r.source === source).map((r) => r.recordId);
        stored.push(...(await tx.select().from(doses).where(sql`${doses.source} = ${source} and ${doses.recordId} = any(${textArray(ids)})`)));
      }
      const storedByKey = new Map(stored.map((row) => [key(row.source, row.recordId), row]));

      const outcomes: RecordOutcome[] = new Array(records.length);
      const firstInBatch = new Map<string, DoseRecord>();
      const fresh: Array<{ index: number; record: DoseRecord }> = [];
      records.forEach((record, index) => {
        const k = key(record.source, record.recordId);
        const first = firstInBatch.get(k);
        if (first) return void (outcomes[index] = sameValues(first, record) ? 'duplicate' : 'conflict');
        firstInBatch.set(k, record);
        const row = storedByKey.get(k);
        if (!row) return void fresh.push({ index, record });
        outcomes[index] = sameValues(row as never, record) ? 'duplicate' : 'conflict';
      });

      if (fresh.length > 0) {
        const rows = fresh.map((f) => f.record);
        const column = <T>(value: (r: DoseRecord) => T) => sql.param(rows.map(value));
        const inserted = await tx.execute<{ source: string; record_id: string }>(sql`
          insert into doses (${sql.raw(DOSE_COLUMNS)})
          select * from unnest(${textArray(rows.map((r) => r.source))}, ${textArray(rows.map((r) => r.recordId))}, ${uuidArray(rows.map((r) => r.personId))},
                               ${textArray(rows.map((r) => r.productCode))}, ${column((r) => r.doseNumber)}::smallint[], ${column((r) => r.lot)}::text[],
                               ${textArray(rows.map((r) => r.administeredAt.toISOString()))}::timestamptz[], ${column((r) => r.siteProvinceCode)}::text[], ${column((r) => r.siteId)}::uuid[],
                               ${textArray(rows.map((r) => r.wardCode))}, ${textArray(rows.map((r) => r.provinceCode))}, ${column((r) => r.legacyWardCode)}::text[],
                               ${column((r) => r.birthYear)}::smallint[])
          on conflict (source, record_id) do nothing
          returning source, record_id`);
        const written = new Set(inserted.map((r) => key(r.source, r.record_id)));
        for (const { index, record } of fresh) outcomes[index] = written.has(key(record.source, record.recordId)) ? 'accepted' : 'duplicate';
        await refreshRollups(tx as never, rows.filter((r) => written.has(key(r.source, r.recordId))));
      }
      return outcomes;
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
