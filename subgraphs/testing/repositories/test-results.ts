import { asc, desc, sql, type SQL } from 'drizzle-orm';
import { afterCopy, beginReserved, copyInto, copyText, executorOf } from '../../shared/copy.ts';
import { vietnamDay } from '../../shared/events.ts';
import { eventsInsert } from '../../shared/outbox.ts';
import { anyUuid, joinedArray, textArray, toDate, uuidArray } from '../../shared/sql.ts';
import type { TestingDb, TestResultRevisionRow, TestResultRow } from '../db/models.ts';
import { testResultRevisions, testResults } from '../db/schema.ts';
import type { TestResultScope } from '../access.ts';
import type { TestSample } from '../validation.ts';

/** What became of one valid row of an upload. */
export type RecordOutcome = 'accepted' | 'corrected' | 'duplicate' | 'conflict';

/** A row's outcome and the revision it now has (0 for a conflict: nothing of it is stored). */
export interface Recorded {
  outcome: RecordOutcome;
  revision: number;
}

/** An individual positive the confirmation jobs have not judged at its current revision. */
export interface UnjudgedPositive {
  personId: string;
  lab: string;
  sampleId: string;
  revision: number;
}

const key = (lab: string, sampleId: string) => `${lab}\u0000${sampleId}`;
const time = (d: Date | null) => d?.getTime() ?? null;
// ct_value is a PostgreSQL real: compare at its precision.
const ct = (v: number | null) => (v === null ? null : Math.fround(v));
// postgres.js sends an array of booleans as one boolean: as text, cast by the statement.
const flags = (values: readonly boolean[]) => sql`${textArray(values.map(String))}::boolean[]`;

/** What an upload compares a stored row with (read in its transaction, locked). */
type StoredRow = Pick<TestResultRow, 'id' | 'lab' | 'sampleId' | 'personId' | 'kind' | 'sampleType' | 'collectedAt' | 'resultedAt' | 'siteProvinceCode' | 'siteId' | 'result' | 'ctValue' | 'poolSize' | 'retestRequired' | 'revision'>;

/** Whether a stored row says what the sample says (the same upload again). */
function sameValues(row: StoredRow, s: TestSample): boolean {
  return (
    row.kind === s.kind && row.result === s.result && row.sampleType === s.sampleType &&
    time(row.collectedAt) === time(s.collectedAt) && time(row.resultedAt) === time(s.resultedAt) &&
    row.siteProvinceCode === s.siteProvinceCode && row.siteId === s.siteId && ct(row.ctValue) === ct(s.ctValue) &&
    (row.poolSize !== null) === s.pooled && row.retestRequired === s.retestRequired
  );
}

function sameSample(a: TestSample, b: TestSample): boolean {
  return a.members.join() === b.members.join() && a.kind === b.kind && a.result === b.result && a.sampleType === b.sampleType &&
    time(a.collectedAt) === time(b.collectedAt) && time(a.resultedAt) === time(b.resultedAt) && a.siteProvinceCode === b.siteProvinceCode &&
    a.siteId === b.siteId && ct(a.ctValue) === ct(b.ctValue) && a.pooled === b.pooled;
}

/** The SQL form of a read scope (access.ts `admitsResult`); undefined when every row is visible. */
function visible(scope: Exclude<TestResultScope, { kind: 'NONE' }>): SQL | undefined {
  switch (scope.kind) {
    case 'ALL':
      return undefined;
    case 'PROVINCES':
      return sql`${testResults.siteProvinceCode} = any(${textArray(scope.provinces)})`;
    case 'PERSON':
      return sql`${testResults.personId} = ${scope.personId}::uuid`;
  }
}

/**
 * The stored rows of these samples, locked (a concurrent correction waits): `lab = $1 and
 * sample_id = any($2)` per lab (an upload has one lab, or a few when an official sends for
 * several), so each is an index look-up on the (lab, sample_id, person_id) key. Pairs through
 * `(lab, sample_id) in (select … unnest …)` were planned as a hash join over the whole table.
 */
function storedSamples(samples: readonly TestSample[]): SQL {
  const byLab = new Map<string, Set<string>>();
  for (const s of samples) {
    const ids = byLab.get(s.lab) ?? new Set<string>();
    byLab.set(s.lab, ids.add(s.sampleId));
  }
  const perLab = [...byLab].map(([lab, ids]) => sql`(lab = ${lab} and sample_id = any(${textArray([...ids])}))`);
  return sql`
    select id, lab, sample_id, person_id, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, pool_size, retest_required, revision
    from test_results where ${sql.join(perLab, sql` or `)} for update`;
}

interface StoredSqlRow extends Record<string, unknown> {
  id: string; lab: string; sample_id: string; person_id: string; kind: TestResultRow['kind']; sample_type: TestResultRow['sampleType'];
  collected_at: string | Date; resulted_at: string | Date; site_province_code: string | null; site_id: string | null; result: TestResultRow['result'];
  ct_value: number | null; pool_size: number | null; retest_required: boolean; revision: number;
}

const storedRow = (r: StoredSqlRow): StoredRow => ({
  id: r.id, lab: r.lab, sampleId: r.sample_id, personId: r.person_id, kind: r.kind, sampleType: r.sample_type, collectedAt: toDate(r.collected_at),
  resultedAt: toDate(r.resulted_at), siteProvinceCode: r.site_province_code, siteId: r.site_id, result: r.result, ctValue: r.ct_value,
  poolSize: r.pool_size, retestRequired: r.retest_required, revision: r.revision,
});

/** A stored row of a new sample: one per member. */
type NewRow = TestSample & { personId: string };

/** The columns of `test_results` an upload writes, in this order (COPY's, unnest's). */
const RESULT_COLUMNS = 'lab, sample_id, person_id, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, pool_size, retest_required';

/** The temporary table an upload is COPYed into (per connection, emptied at each commit). */
const UPLOAD_TABLE = `create temp table if not exists test_result_upload (lab text, sample_id text, person_id uuid, kind text, sample_type text, collected_at timestamptz,
  resulted_at timestamptz, site_province_code text, site_id uuid, result text, ct_value real, pool_size int, retest_required boolean) on commit delete rows`;

/**
 * Put around an `insert into test_results … on conflict do nothing`, so that the same statement
 * writes each new sample's `test.resulted` event (shared/events.ts) to the outbox, in its
 * transaction, and answers the rows stored. One test per sample (a pool is one test, its first
 * member's row names it), counted on the Viet Nam day (UTC+7) it was resulted, where it was taken
 * (unknown site: nationwide only).
 */
const WITH_EVENTS = {
  head: 'with inserted as (',
  tail: ` returning id, lab, sample_id, person_id, kind, result, resulted_at, site_province_code),
    events as (
      insert into outbox_events (id, type, occurred_at, day, province, ward, payload)
      select gen_random_uuid(), 'test.resulted', resulted_at, ((resulted_at at time zone 'UTC') + interval '7 hours')::date, site_province_code, null,
             jsonb_build_object('resultId', id, 'kind', kind, 'outcome', result)
      from (select distinct on (lab, sample_id) * from inserted order by lab, sample_id, person_id) first_members)
    select id, lab, sample_id from inserted`,
};

/** Rows per piece of COPY data written to the stream. */
const COPY_ROWS_PER_PIECE = 500;

/** The rows in COPY's text format, RESULT_COLUMNS order, in pieces. UUIDs, enum values and instants need no escaping. */
function copyData(rows: readonly NewRow[]): Buffer[] {
  const pieces: Buffer[] = [];
  for (let start = 0; start < rows.length; start += COPY_ROWS_PER_PIECE) {
    let text = '';
    for (const r of rows.slice(start, start + COPY_ROWS_PER_PIECE)) {
      text += `${copyText(r.lab)}\t${copyText(r.sampleId)}\t${r.personId}\t${r.kind}\t${r.sampleType ?? '\\N'}\t${r.collectedAt.toISOString()}\t${r.resultedAt.toISOString()}\t` +
        `${r.siteProvinceCode ?? '\\N'}\t${r.siteId ?? '\\N'}\t${r.result}\t${r.ctValue ?? '\\N'}\t${r.pooled ? r.members.length : '\\N'}\t${r.retestRequired ? 't' : 'f'}\n`;
    }
    pieces.push(Buffer.from(text, 'utf8'));
  }
  return pieces;
}

/** The statements of an upload's transaction: drizzle's, or a reserved connection's that COPYs the new rows. */
interface UploadSession {
  execute<T extends Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** Stores the new rows, skipping those a concurrent upload stored first, with their events; the rows stored. */
  insertNew(rows: readonly NewRow[]): Promise<Array<{ id: string; lab: string; sample_id: string }>>;
}

/** Test results (kết quả xét nghiệm): a lab's uploads, their corrections, and reads by person or id. */
export class TestResultRepository {
  constructor(private readonly db: TestingDb) {}

  /**
   * Stores an upload's valid samples in one transaction with a fixed number of statements: one
   * look-up of the samples already stored (locked, so a concurrent correction waits); the new
   * rows COPYed into a temporary table and moved into test_results by one INSERT … SELECT … ON
   * CONFLICT DO NOTHING that also writes their `test.resulted` events; for corrections one INSERT
   * of the replaced versions into test_result_revisions, one UPDATE and their `test.corrected`
   * events. Outcomes in input order. A sample repeated in the upload is a duplicate of its first
   * occurrence when it says the same, otherwise a conflict; a sample a concurrent upload stored
   * first counts as a duplicate.
   */
  async record(samples: readonly TestSample[]): Promise<Recorded[]> {
    if (samples.length === 0) return [];
    const transaction = await beginReserved(this.db);
    if (!transaction) {
      // Not a pooled postgres.js handle: the same in a drizzle transaction, the new rows through unnest.
      return this.db.transaction((tx) => recordIn({ execute: async (query) => [...(await tx.execute(query))] as never, insertNew: async (rows) => [...(await tx.execute<{ id: string; lab: string; sample_id: string }>(insertUnnest(rows)))] }, samples));
    }
    try {
      const { execute } = executorOf(transaction);
      const insertNew = async (rows: readonly NewRow[]) => {
        await transaction.run(() => transaction.sql.unsafe(UPLOAD_TABLE));
        const failed = await copyInto(transaction, `copy test_result_upload (${RESULT_COLUMNS}) from stdin`, copyData(rows));
        if (failed) throw failed;
        const statement = `${WITH_EVENTS.head}insert into test_results (${RESULT_COLUMNS}) select ${RESULT_COLUMNS} from test_result_upload
          on conflict (lab, sample_id, person_id) do nothing${WITH_EVENTS.tail}`;
        return (await afterCopy(transaction, () => transaction.sql.unsafe(statement))) as unknown as Array<{ id: string; lab: string; sample_id: string }>;
      };
      const recorded = await recordIn({ execute, insertNew }, samples);
      await transaction.run(() => transaction.sql`commit`);
      return recorded;
    } catch (error) {
      await transaction.rollback(error);
      throw error;
    } finally {
      transaction.release();
    }
  }

  /**
   * Individual positives recorded before `before` whose current revision the confirmation jobs
   * have not judged (the sweep's look-up, on a partial index), oldest first.
   */
  async unjudgedPositives(before: Date, limit: number): Promise<UnjudgedPositive[]> {
    const rows = await this.db.execute<{ person_id: string; lab: string; sample_id: string; revision: number }>(sql`
      select person_id, lab, sample_id, revision from test_results
      where result = 'POSITIVE' and pool_size is null and judged_revision is distinct from revision and recorded_at < ${before.toISOString()}::timestamptz
      order by recorded_at limit ${limit}`);
    return rows.map((r) => ({ personId: r.person_id, lab: r.lab, sampleId: r.sample_id, revision: r.revision }));
  }

  /** Marks a result judged at a revision (a later correction makes it unjudged again). */
  async markJudged(resultId: string, revision: number): Promise<void> {
    await this.db.execute(sql`update test_results set judged_revision = greatest(coalesce(judged_revision, 0), ${revision}) where id = ${resultId}::uuid`);
  }

  /** Results by id, whoever may see them (the reader decides each one). */
  byIds(ids: readonly string[]): Promise<TestResultRow[]> {
    return this.db.select().from(testResults).where(anyUuid(testResults.id, ids));
  }

  /** The results of these people within the scope, latest result first. */
  byPersonIds(personIds: readonly string[], scope: Exclude<TestResultScope, { kind: 'NONE' }>): Promise<TestResultRow[]> {
    return this.db
      .select()
      .from(testResults)
      .where(sql`${anyUuid(testResults.personId, personIds)} ${this.and(scope)}`)
      .orderBy(desc(testResults.resultedAt), desc(testResults.collectedAt), asc(testResults.id));
  }

  /** Each person's latest own result within the scope: individual samples and negative pools, not pools awaiting re-tests. */
  latestByPersonIds(personIds: readonly string[], scope: Exclude<TestResultScope, { kind: 'NONE' }>): Promise<TestResultRow[]> {
    return this.db
      .selectDistinctOn([testResults.personId])
      .from(testResults)
      .where(sql`${anyUuid(testResults.personId, personIds)} and not ${testResults.retestRequired} ${this.and(scope)}`)
      .orderBy(testResults.personId, desc(testResults.resultedAt), desc(testResults.collectedAt), asc(testResults.id));
  }

  /** The replaced versions of these results, oldest first. */
  revisionsOf(testResultIds: readonly string[]): Promise<TestResultRevisionRow[]> {
    return this.db
      .select()
      .from(testResultRevisions)
      .where(anyUuid(testResultRevisions.testResultId, testResultIds))
      .orderBy(asc(testResultRevisions.testResultId), asc(testResultRevisions.revision));
  }

  private and(scope: Exclude<TestResultScope, { kind: 'NONE' }>): SQL {
    const predicate = visible(scope);
    return predicate ? sql`and ${predicate}` : sql``;
  }
}

/** The new rows as arrays through unnest, in the same statement as WITH_EVENTS (when COPY is not available). */
function insertUnnest(rows: readonly NewRow[]): SQL {
  // Validated UUIDs, enum values and ISO instants need no quoting: joined once (joinedArray).
  const column = <T>(value: (r: NewRow) => T) => sql.param(rows.map(value));
  return sql`${sql.raw(WITH_EVENTS.head)}insert into test_results (${sql.raw(RESULT_COLUMNS)})
    select * from unnest(${textArray(rows.map((r) => r.lab))}, ${textArray(rows.map((r) => r.sampleId))}, ${joinedArray(rows.map((r) => r.personId))}::uuid[],
                         ${joinedArray(rows.map((r) => r.kind))}::text[], ${column((r) => r.sampleType)}::text[],
                         ${joinedArray(rows.map((r) => r.collectedAt.toISOString()))}::timestamptz[], ${joinedArray(rows.map((r) => r.resultedAt.toISOString()))}::timestamptz[],
                         ${column((r) => r.siteProvinceCode)}::text[], ${column((r) => r.siteId)}::uuid[], ${joinedArray(rows.map((r) => r.result))}::text[],
                         ${column((r) => r.ctValue)}::real[], ${column((r) => (r.pooled ? r.members.length : null))}::int[], ${joinedArray(rows.map((r) => String(r.retestRequired)))}::boolean[])
    on conflict (lab, sample_id, person_id) do nothing${sql.raw(WITH_EVENTS.tail)}`;
}

/** TestResultRepository.record's statements, in the upload's transaction. */
async function recordIn(session: UploadSession, samples: readonly TestSample[]): Promise<Recorded[]> {
  const stored = (await session.execute<StoredSqlRow>(storedSamples(samples))).map(storedRow);
  const storedBySample = new Map<string, StoredRow[]>();
  for (const row of stored) {
    const k = key(row.lab, row.sampleId);
    storedBySample.set(k, [...(storedBySample.get(k) ?? []), row]);
  }

  const outcomes: RecordOutcome[] = new Array(samples.length);
  const revisions: number[] = new Array(samples.length).fill(0);
  const firstInBatch = new Map<string, TestSample>();
  const firstIndex = new Map<string, number>();
  const fresh: Array<{ index: number; sample: TestSample }> = [];
  const corrections: Array<{ rows: StoredRow[]; sample: TestSample }> = [];
  samples.forEach((sample, index) => {
    const k = key(sample.lab, sample.sampleId);
    const first = firstInBatch.get(k);
    if (first) return void (outcomes[index] = sameSample(first, sample) ? 'duplicate' : 'conflict');
    firstInBatch.set(k, sample);
    firstIndex.set(k, index);
    const rows = storedBySample.get(k);
    if (!rows) return void fresh.push({ index, sample });
    if (rows.map((r) => r.personId).sort().join() !== sample.members.join()) return void (outcomes[index] = 'conflict');
    const revision = Math.max(...rows.map((r) => r.revision));
    if (rows.every((r) => sameValues(r, sample))) {
      revisions[index] = revision;
      return void (outcomes[index] = 'duplicate');
    }
    corrections.push({ rows, sample });
    revisions[index] = revision + 1;
    outcomes[index] = 'corrected';
  });

  if (fresh.length > 0) {
    const inserted = await session.insertNew(fresh.flatMap(({ sample }) => sample.members.map((personId) => ({ ...sample, personId }))));
    const written = new Set(inserted.map((r) => key(r.lab, r.sample_id)));
    // A sample none of whose rows went in was stored first by a concurrent upload of the same rows.
    for (const { index, sample } of fresh) {
      outcomes[index] = written.has(key(sample.lab, sample.sampleId)) ? 'accepted' : 'duplicate';
      revisions[index] = 1;
    }
  }

  if (corrections.length > 0) {
    const rows = corrections.flatMap(({ rows, sample }) => rows.map((row) => ({ id: row.id, ...sample })));
    const ids = rows.map((r) => r.id);
    await session.execute(sql`
      insert into test_result_revisions (test_result_id, revision, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, retest_required, recorded_at)
      select id, revision, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, retest_required, recorded_at
      from test_results where id = any(${uuidArray(ids)})`);
    const column = <T>(value: (r: (typeof rows)[number]) => T) => sql.param(rows.map(value));
    await session.execute(sql`
      update test_results t set kind = u.kind, sample_type = u.sample_type, collected_at = u.collected_at, resulted_at = u.resulted_at,
             site_province_code = u.site_province_code, site_id = u.site_id, result = u.result, ct_value = u.ct_value,
             retest_required = u.retest_required, revision = t.revision + 1, recorded_at = now()
      from unnest(${uuidArray(ids)}, ${textArray(rows.map((r) => r.kind))}, ${column((r) => r.sampleType)}::text[],
                  ${textArray(rows.map((r) => r.collectedAt.toISOString()))}::timestamptz[], ${textArray(rows.map((r) => r.resultedAt.toISOString()))}::timestamptz[],
                  ${column((r) => r.siteProvinceCode)}::text[], ${column((r) => r.siteId)}::uuid[], ${textArray(rows.map((r) => r.result))},
                  ${column((r) => r.ctValue)}::real[], ${flags(rows.map((r) => r.retestRequired))})
           as u(id, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, retest_required)
      where t.id = u.id`);
    // One test per sample, as test.resulted counted it: the analytics rollups move it from the
    // previous version's day, place and outcome to the corrected one's.
    await session.execute(eventsInsert(corrections.map(({ rows: [row], sample }) => ({
      type: 'test.corrected' as const, occurredAt: sample.resultedAt, province: sample.siteProvinceCode, ward: null,
      payload: { resultId: row!.id, kind: sample.kind, outcome: sample.result, was: { day: vietnamDay(row!.resultedAt), province: row!.siteProvinceCode, outcome: row!.result } },
    }))));
  }
  // A repeat within the upload has the revision of its first occurrence.
  return samples.map((sample, index) => {
    const first = firstIndex.get(key(sample.lab, sample.sampleId))!;
    return { outcome: outcomes[index]!, revision: outcomes[index] === 'conflict' ? 0 : revisions[first]! };
  });
}
