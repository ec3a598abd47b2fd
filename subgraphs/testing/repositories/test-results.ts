import { randomUUID } from 'node:crypto';
import { asc, desc, sql, type SQL } from 'drizzle-orm';
import { afterCopy, copyInto, copyStraight, copyText, executorOf, inReservedTransaction, NOT_RESERVED } from '../../shared/copy.ts';
import type { ReservedTransaction } from '../../shared/db.ts';
import { vietnamDay, type NewDomainEvent } from '../../shared/events.ts';
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

/** A stored row of a new sample: one per member, its id made here (COPY answers no ids). */
interface NewRow {
  id: string;
  personId: string;
  sample: TestSample;
}

/** The rows of new samples, sample by sample, each sample's members in order. */
const newRows = (samples: readonly TestSample[]): NewRow[] => samples.flatMap((sample) => sample.members.map((personId) => ({ id: randomUUID(), personId, sample })));

/** The columns of `test_results` an upload writes, in this order (COPY's, unnest's). */
const RESULT_COLUMNS = 'id, lab, sample_id, person_id, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, pool_size, retest_required';

/** The temporary table an upload is COPYed into (per connection, emptied at each commit). */
const UPLOAD_TABLE = `create temp table if not exists test_result_upload (id uuid, lab text, sample_id text, person_id uuid, kind text, sample_type text, collected_at timestamptz,
  resulted_at timestamptz, site_province_code text, site_id uuid, result text, ct_value real, pool_size int, retest_required boolean) on commit delete rows`;

/**
 * The `tests.resulted` events of newly stored samples (shared/events.ts): one per Viet Nam day
 * (UTC+7) resulted, place (the site's province; unknown site: nationwide only), kind and outcome,
 * counting one test per sample (a pool is one test).
 */
function resultedEvents(samples: readonly TestSample[]): NewDomainEvent[] {
  const groups = new Map<string, { day: string; province: string | null; kind: TestSample['kind']; outcome: TestSample['result']; tests: number; latest: Date }>();
  for (const s of samples) {
    const day = vietnamDay(s.resultedAt);
    const k = `${day}|${s.siteProvinceCode ?? ''}|${s.kind}|${s.result}`;
    const group = groups.get(k);
    if (!group) groups.set(k, { day, province: s.siteProvinceCode, kind: s.kind, outcome: s.result, tests: 1, latest: s.resultedAt });
    else {
      group.tests++;
      if (s.resultedAt > group.latest) group.latest = s.resultedAt;
    }
  }
  return [...groups.values()].map((g) => ({
    type: 'tests.resulted' as const, occurredAt: g.latest, day: g.day, province: g.province, ward: null, payload: { kind: g.kind, outcome: g.outcome, tests: g.tests },
  }));
}

/** Rows per piece of COPY data written to the stream. */
const COPY_ROWS_PER_PIECE = 500;

/**
 * The rows in COPY's text format, RESULT_COLUMNS order, in pieces. UUIDs, enum values and instants
 * need no escaping. What a sample's rows share is written once per sample (a pool's members).
 */
function copyData(rows: readonly NewRow[]): Buffer[] {
  const pieces: Buffer[] = [];
  let text = '';
  let sample: TestSample | null = null;
  let head = '';
  let tail = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.sample !== sample) {
      const s: TestSample = (sample = r.sample);
      head = `\t${copyText(s.lab)}\t${copyText(s.sampleId)}\t`;
      tail = `\t${s.kind}\t${s.sampleType ?? '\\N'}\t${s.collectedAt.toISOString()}\t${s.resultedAt.toISOString()}\t${s.siteProvinceCode ?? '\\N'}\t${s.siteId ?? '\\N'}\t` +
        `${s.result}\t${s.ctValue ?? '\\N'}\t${s.pooled ? s.members.length : '\\N'}\t${s.retestRequired ? 't' : 'f'}\n`;
    }
    text += `${r.id}${head}${r.personId}${tail}`;
    if ((i + 1) % COPY_ROWS_PER_PIECE === 0 || i === rows.length - 1) {
      pieces.push(Buffer.from(text, 'utf8'));
      text = '';
    }
  }
  return pieces;
}

/** The statements of an upload's transaction: drizzle's, or a reserved connection's that COPYs the new rows. */
interface UploadSession {
  execute<T extends Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** Stores the new rows, skipping those a concurrent upload stored first; the rows stored. */
  insertNew(rows: readonly NewRow[]): Promise<Array<{ lab: string; sample_id: string }>>;
}

/** Test results (kết quả xét nghiệm): a lab's uploads, their corrections, and reads by person or id. */
export class TestResultRepository {
  constructor(private readonly db: TestingDb) {}

  /**
   * Stores an upload's valid samples in one transaction with a fixed number of statements. An
   * upload of new samples only, the common case, is one COPY straight into test_results and its
   * `tests.resulted` events (copyAllNew). Otherwise: one look-up of the samples already stored
   * (locked, so a concurrent correction waits); the new rows COPYed into a temporary table and
   * moved into test_results by one INSERT … SELECT … ON CONFLICT DO NOTHING, then their events;
   * for corrections one INSERT of the replaced versions into test_result_revisions, one UPDATE
   * and their `test.corrected` events. Outcomes in input order. A sample repeated in the upload
   * is a duplicate of its first occurrence when it says the same, otherwise a conflict; a sample
   * a concurrent upload stored first counts as a duplicate.
   */
  async record(samples: readonly TestSample[]): Promise<Recorded[]> {
    if (samples.length === 0) return [];
    const recorded = await inReservedTransaction(this.db, async (transaction) => {
      const { execute } = executorOf(transaction);
      const insertNew = async (rows: readonly NewRow[]) => {
        await transaction.run(() => transaction.sql.unsafe(UPLOAD_TABLE));
        const failed = await copyInto(transaction, `copy test_result_upload (${RESULT_COLUMNS}) from stdin`, copyData(rows));
        if (failed) throw failed;
        const statement = `insert into test_results (${RESULT_COLUMNS}) select ${RESULT_COLUMNS} from test_result_upload
          on conflict (lab, sample_id, person_id) do nothing returning lab, sample_id`;
        return (await afterCopy(transaction, () => transaction.sql.unsafe(statement))) as unknown as Array<{ lab: string; sample_id: string }>;
      };
      const recorded = (await copyAllNew(transaction, samples)) ?? (await recordIn({ execute, insertNew }, samples));
      await transaction.run(() => transaction.sql`commit`);
      return recorded;
    });
    if (recorded !== NOT_RESERVED) return recorded;
    // Not a pooled postgres.js handle: the same in a drizzle transaction, the new rows through unnest.
    return this.db.transaction((tx) => recordIn({ execute: async (query) => [...(await tx.execute(query))] as never, insertNew: async (rows) => [...(await tx.execute<{ lab: string; sample_id: string }>(insertUnnest(rows)))] }, samples));
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

/** The new rows as arrays through unnest, ON CONFLICT DO NOTHING (when COPY is not available); the rows stored. */
function insertUnnest(rows: readonly NewRow[]): SQL {
  // Validated UUIDs, enum values and ISO instants need no quoting: joined once (joinedArray).
  const column = <T>(value: (s: TestSample) => T) => sql.param(rows.map((r) => value(r.sample)));
  const joined = (value: (s: TestSample) => string) => joinedArray(rows.map((r) => value(r.sample)));
  return sql`insert into test_results (${sql.raw(RESULT_COLUMNS)})
    select * from unnest(${joinedArray(rows.map((r) => r.id))}::uuid[], ${textArray(rows.map((r) => r.sample.lab))}, ${textArray(rows.map((r) => r.sample.sampleId))}, ${joinedArray(rows.map((r) => r.personId))}::uuid[],
                         ${joined((s) => s.kind)}::text[], ${column((s) => s.sampleType)}::text[],
                         ${joined((s) => s.collectedAt.toISOString())}::timestamptz[], ${joined((s) => s.resultedAt.toISOString())}::timestamptz[],
                         ${column((s) => s.siteProvinceCode)}::text[], ${column((s) => s.siteId)}::uuid[], ${joined((s) => s.result)}::text[],
                         ${column((s) => s.ctValue)}::real[], ${column((s) => (s.pooled ? s.members.length : null))}::int[], ${joined((s) => String(s.retestRequired))}::boolean[])
    on conflict (lab, sample_id, person_id) do nothing returning lab, sample_id`;
}

/**
 * An upload of samples none of which is stored, as most are: its rows COPYed straight into
 * test_results (no locked look-up of stored rows, no temporary table, no INSERT … ON CONFLICT),
 * then their `tests.resulted` events; every sample accepted. Null, the transaction as it was
 * before, when it names a sample twice, a sample is stored already, or the server refuses the
 * COPY (the same rows stored by a concurrent upload first: the key's index makes the COPY wait
 * for that upload's commit, then fail): recordIn then sorts the rows out.
 */
async function copyAllNew(transaction: ReservedTransaction, samples: readonly TestSample[]): Promise<Recorded[] | null> {
  if (new Set(samples.map((s) => key(s.lab, s.sampleId))).size !== samples.length) return null;
  const { execute } = executorOf(transaction);
  // The key holds the person too: a sample id stored for other people is found here, not by the COPY.
  if ((await execute(anyStored(samples))).length > 0) return null;
  if (!(await copyStraight(transaction, `copy test_results (${RESULT_COLUMNS}) from stdin`, copyData(newRows(samples))))) return null;
  await execute(eventsInsert(resultedEvents(samples)));
  return samples.map(() => ({ outcome: 'accepted', revision: 1 }));
}

/**
 * One row when any of these samples is stored (for any person), none otherwise: an index probe
 * per sample on the (lab, sample_id, person_id) key, stopping at the first found (the LIMIT in
 * the lateral keeps each a probe, never a scan of the lab's rows).
 */
function anyStored(samples: readonly TestSample[]): SQL {
  return sql`
    select 1 from unnest(${textArray(samples.map((s) => s.lab))}, ${textArray(samples.map((s) => s.sampleId))}) as s(lab, sample_id)
    cross join lateral (select 1 from test_results t where t.lab = s.lab and t.sample_id = s.sample_id limit 1) as stored
    limit 1`;
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
    const inserted = await session.insertNew(newRows(fresh.map(({ sample }) => sample)));
    const written = new Set(inserted.map((r) => key(r.lab, r.sample_id)));
    // A sample none of whose rows went in was stored first by a concurrent upload of the same rows.
    for (const { index, sample } of fresh) {
      outcomes[index] = written.has(key(sample.lab, sample.sampleId)) ? 'accepted' : 'duplicate';
      revisions[index] = 1;
    }
    const accepted = fresh.filter(({ index }) => outcomes[index] === 'accepted').map(({ sample }) => sample);
    if (accepted.length > 0) await session.execute(eventsInsert(resultedEvents(accepted)));
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
