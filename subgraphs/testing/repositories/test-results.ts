import { asc, desc, sql, type SQL } from 'drizzle-orm';
import { anyUuid, joinedArray, textArray, uuidArray } from '../../shared/sql.ts';
import { writeEvents } from '../../shared/outbox.ts';
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

/** Whether a stored row says what the sample says (the same upload again). */
function sameValues(row: TestResultRow, s: TestSample): boolean {
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
 * The stored rows of these samples: `lab = $1 and sample_id = any($2)` per lab (an upload has one
 * lab, or a few when an official sends for several), so each is an index look-up on the
 * (lab, sample_id, person_id) key. Pairs through `(lab, sample_id) in (select … unnest …)` were
 * planned as a hash join over the whole table.
 */
function storedSamples(samples: readonly TestSample[]): SQL {
  const byLab = new Map<string, Set<string>>();
  for (const s of samples) {
    const ids = byLab.get(s.lab) ?? new Set<string>();
    byLab.set(s.lab, ids.add(s.sampleId));
  }
  const perLab = [...byLab].map(([lab, ids]) => sql`(${testResults.lab} = ${lab} and ${testResults.sampleId} = any(${textArray([...ids])}))`);
  return sql.join(perLab, sql` or `);
}

/** Test results (kết quả xét nghiệm): a lab's uploads, their corrections, and reads by person or id. */
export class TestResultRepository {
  constructor(private readonly db: TestingDb) {}

  /**
   * Stores an upload's valid samples in one transaction with a fixed number of statements: one
   * look-up of the samples already stored (locked, so a concurrent correction waits), one
   * multi-row INSERT of the new ones (arrays through unnest), and for corrections one INSERT of
   * the replaced versions into test_result_revisions and one UPDATE. Outcomes in input order. A
   * sample repeated in the upload is a duplicate of its first occurrence when it says the same,
   * otherwise a conflict; a sample a concurrent upload stored first counts as a duplicate.
   */
  async record(samples: readonly TestSample[]): Promise<Recorded[]> {
    if (samples.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const stored = await tx.select().from(testResults).where(storedSamples(samples)).for('update');
      const storedBySample = new Map<string, TestResultRow[]>();
      for (const row of stored) {
        const k = key(row.lab, row.sampleId);
        storedBySample.set(k, [...(storedBySample.get(k) ?? []), row]);
      }

      const outcomes: RecordOutcome[] = new Array(samples.length);
      const revisions: number[] = new Array(samples.length).fill(0);
      const firstInBatch = new Map<string, TestSample>();
      const firstIndex = new Map<string, number>();
      const fresh: Array<{ index: number; sample: TestSample }> = [];
      const corrections: Array<{ rows: TestResultRow[]; sample: TestSample }> = [];
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
        // Validated UUIDs, enum values and ISO instants need no quoting: joined once (joinedArray).
        const rows = fresh.flatMap(({ sample }) => sample.members.map((personId) => ({ ...sample, personId })));
        const column = <T>(value: (r: (typeof rows)[number]) => T) => sql.param(rows.map(value));
        const inserted = await tx.execute<{ id: string; lab: string; sample_id: string }>(sql`
          insert into test_results (lab, sample_id, person_id, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, pool_size, retest_required)
          select * from unnest(${textArray(rows.map((r) => r.lab))}, ${textArray(rows.map((r) => r.sampleId))}, ${joinedArray(rows.map((r) => r.personId))}::uuid[],
                               ${joinedArray(rows.map((r) => r.kind))}::text[], ${column((r) => r.sampleType)}::text[],
                               ${joinedArray(rows.map((r) => r.collectedAt.toISOString()))}::timestamptz[], ${joinedArray(rows.map((r) => r.resultedAt.toISOString()))}::timestamptz[],
                               ${column((r) => r.siteProvinceCode)}::text[], ${column((r) => r.siteId)}::uuid[], ${joinedArray(rows.map((r) => r.result))}::text[],
                               ${column((r) => r.ctValue)}::real[], ${column((r) => (r.pooled ? r.members.length : null))}::int[], ${joinedArray(rows.map((r) => String(r.retestRequired)))}::boolean[])
          on conflict (lab, sample_id, person_id) do nothing
          returning id, lab, sample_id`);
        const written = new Map(inserted.map((r) => [key(r.lab, r.sample_id), r.id]));
        // One test per sample (a pool is one test), counted where it was taken (unknown site: nationwide only).
        await writeEvents(tx, fresh.filter(({ sample }) => written.has(key(sample.lab, sample.sampleId))).map(({ sample }) => ({
          type: 'test.resulted' as const, occurredAt: sample.resultedAt, province: sample.siteProvinceCode, ward: null,
          payload: { resultId: written.get(key(sample.lab, sample.sampleId))!, kind: sample.kind, outcome: sample.result },
        })));
        // A sample none of whose rows went in was stored first by a concurrent upload of the same rows.
        for (const { index, sample } of fresh) {
          outcomes[index] = written.has(key(sample.lab, sample.sampleId)) ? 'accepted' : 'duplicate';
          revisions[index] = 1;
        }
      }

      if (corrections.length > 0) {
        const rows = corrections.flatMap(({ rows, sample }) => rows.map((row) => ({ id: row.id, ...sample })));
        const ids = rows.map((r) => r.id);
        await tx.execute(sql`
          insert into test_result_revisions (test_result_id, revision, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, retest_required, recorded_at)
          select id, revision, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, retest_required, recorded_at
          from test_results where id = any(${uuidArray(ids)})`);
        const column = <T>(value: (r: (typeof rows)[number]) => T) => sql.param(rows.map(value));
        await tx.execute(sql`
          update test_results t set kind = u.kind, sample_type = u.sample_type, collected_at = u.collected_at, resulted_at = u.resulted_at,
                 site_province_code = u.site_province_code, site_id = u.site_id, result = u.result, ct_value = u.ct_value,
                 retest_required = u.retest_required, revision = t.revision + 1, recorded_at = now()
          from unnest(${uuidArray(ids)}, ${textArray(rows.map((r) => r.kind))}, ${column((r) => r.sampleType)}::text[],
                      ${textArray(rows.map((r) => r.collectedAt.toISOString()))}::timestamptz[], ${textArray(rows.map((r) => r.resultedAt.toISOString()))}::timestamptz[],
                      ${column((r) => r.siteProvinceCode)}::text[], ${column((r) => r.siteId)}::uuid[], ${textArray(rows.map((r) => r.result))},
                      ${column((r) => r.ctValue)}::real[], ${flags(rows.map((r) => r.retestRequired))})
               as u(id, kind, sample_type, collected_at, resulted_at, site_province_code, site_id, result, ct_value, retest_required)
          where t.id = u.id`);
      }
      // A repeat within the upload has the revision of its first occurrence.
      return samples.map((sample, index) => {
        const first = firstIndex.get(key(sample.lab, sample.sampleId))!;
        return { outcome: outcomes[index]!, revision: outcomes[index] === 'conflict' ? 0 : revisions[first]! };
      });
    });
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
