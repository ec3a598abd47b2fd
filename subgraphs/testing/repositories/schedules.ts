import { sql, type SQL } from 'drizzle-orm';
import type { TestResultScope } from '../access.ts';
import type { TestingDb } from '../db/models.ts';
import { confirmationRules, rejectedCases, testSchedules } from '../db/schema.ts';
import { DEFAULT_CONFIRMATION_RULES, type ConfirmationRule, type Positive } from '../confirmation.ts';
import { textArray, uuidArray } from '../../shared/sql.ts';
import type { Page } from '../validation.ts';

/** One scheduled test of a contact, with its status read from the person's results. */
export interface ScheduledTestRow {
  contactId: string;
  /** The contact's home province (null when unknown). */
  homeProvinceCode: string | null;
  caseId: string;
  personId: string;
  degree: string;
  dueOn: string;
  status: 'DUE' | 'DONE' | 'OVERDUE' | 'CANCELLED';
  resultId: string | null;
}

export interface ScheduleInput {
  contactId: string;
  caseId: string;
  personId: string;
  degree: string;
  dueOn: string;
  homeProvinceCode: string | null;
}

/** The SQL form of a read scope for schedules: a province's officials see the schedules of contacts living there. */
function visible(scope: Exclude<TestResultScope, { kind: 'NONE' }>): SQL {
  switch (scope.kind) {
    case 'ALL':
      return sql`true`;
    case 'PROVINCES':
      return sql`s.home_province_code = any(${textArray(scope.provinces)})`;
    case 'PERSON':
      return sql`s.person_id = ${scope.personId}::uuid`;
  }
}

/** Confirmation rules, the positives they are applied to, and contacts' test schedules. */
export class ScheduleRepository {
  constructor(private readonly db: TestingDb) {}

  async confirmationRules(): Promise<ConfirmationRule[]> {
    return this.db.select().from(confirmationRules);
  }

  /** The migration inserts them; this keeps a database whose rows were deleted by hand working. */
  async ensureDefaultRules(): Promise<void> {
    await this.db.insert(confirmationRules).values([...DEFAULT_CONFIRMATION_RULES]).onConflictDoNothing();
  }

  /** A person's individual positive results: pooled rows are never the member's own result. */
  async positivesOf(personId: string): Promise<Positive[]> {
    const rows = await this.db.execute<{ id: string; kind: Positive['kind']; collected_at: Date; resulted_at: Date }>(sql`
      select id, kind, collected_at, resulted_at from test_results
      where person_id = ${personId}::uuid and result = 'POSITIVE' and pool_size is null`);
    return rows.map((r) => ({ id: r.id, kind: r.kind, collectedAt: new Date(r.collected_at), resultedAt: new Date(r.resulted_at) }));
  }

  /** The result stored for a lab's sample and one person (what a confirmation job names), with its site. */
  async sample(lab: string, sampleId: string, personId: string): Promise<{ id: string; siteProvinceCode: string | null; poolSize: number | null; result: string } | null> {
    const [row] = await this.db.execute<{ id: string; site_province_code: string | null; pool_size: number | null; result: string }>(sql`
      select id, site_province_code, pool_size, result from test_results where lab = ${lab} and sample_id = ${sampleId} and person_id = ${personId}::uuid`);
    return row ? { id: row.id, siteProvinceCode: row.site_province_code, poolSize: row.pool_size, result: row.result } : null;
  }

  /**
   * Writes schedules in one statement; a row already there (same contact and day) is left alone,
   * and none is written for a rejected case. Returns how many were new.
   */
  async schedule(rows: readonly ScheduleInput[]): Promise<number> {
    if (rows.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      await lockCases(tx, rows.map((r) => r.caseId));
      const inserted = await tx.execute(sql`
        insert into ${testSchedules} (contact_id, case_id, person_id, degree, due_on, home_province_code)
        select u.* from unnest(${uuidArray(rows.map((r) => r.contactId))}, ${uuidArray(rows.map((r) => r.caseId))}, ${uuidArray(rows.map((r) => r.personId))},
                               ${textArray(rows.map((r) => r.degree))}, ${textArray(rows.map((r) => r.dueOn))}::date[], ${sql.param(rows.map((r) => r.homeProvinceCode))}::text[])
               as u(contact_id, case_id, person_id, degree, due_on, home_province_code)
        where not exists (select 1 from ${rejectedCases} r where r.case_id = u.case_id)
        on conflict (contact_id, due_on) do nothing
        returning contact_id`);
      return inserted.length;
    });
  }

  /**
   * Cancels a rejected case's schedules (those done stay DONE: status is read from results) and
   * remembers the case, so `schedule` writes nothing more for it. Returns how many this call cancelled.
   */
  async cancelCase(caseId: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      await lockCases(tx, [caseId]);
      await tx.insert(rejectedCases).values({ caseId }).onConflictDoNothing();
      const cancelled = await tx.execute(sql`update ${testSchedules} set cancelled_at = now() where case_id = ${caseId}::uuid and cancelled_at is null returning contact_id`);
      return cancelled.length;
    });
  }

  /**
   * The schedules of these people within the scope, earliest due first, each with its status
   * (see `read`).
   */
  ofPeople(personIds: readonly string[], scope: Exclude<TestResultScope, { kind: 'NONE' }>, today: string): Promise<ScheduledTestRow[]> {
    return this.read(sql`s.person_id = any(${uuidArray(personIds)}) and ${visible(scope)}`, sql`s.person_id, s.due_on, s.contact_id`, today);
  }

  /** The schedules of these contact records within the scope, earliest due first (primary key's prefix). */
  ofContacts(contactIds: readonly string[], scope: Exclude<TestResultScope, { kind: 'NONE' }>, today: string): Promise<ScheduledTestRow[]> {
    return this.read(sql`s.contact_id = any(${uuidArray(contactIds)}) and ${visible(scope)}`, sql`s.contact_id, s.due_on`, today);
  }

  /**
   * Provinces' testing lists for a day: every test due on `dueOn` for contacts whose home
   * province it is, by person (index test_schedules_home_due_idx), a page of each province's list.
   * Who may ask is decided before.
   */
  dueInProvinces(provinceCodes: readonly string[], dueOn: string, today: string, page: Page): Promise<ScheduledTestRow[]> {
    const due = sql`s.home_province_code = any(${textArray(provinceCodes)}) and s.due_on = ${dueOn}::date and s.cancelled_at is null`;
    const inPage = sql`(s.contact_id, s.due_on) in (
      select contact_id, due_on from (
        select s.contact_id, s.due_on, row_number() over (partition by s.home_province_code order by s.person_id, s.contact_id) as n from test_schedules s where ${due}) ranked
      where n > ${page.offset} and n <= ${page.offset + page.limit})`;
    return this.read(sql`${due} and ${inPage}`, sql`s.person_id, s.contact_id`, today);
  }

  /**
   * Schedules with their status: DONE when the person has a result of their own (not a pool
   * awaiting re-tests) collected on or after the due day (Vietnam time), OVERDUE when the day has
   * passed without one, CANCELLED when not done and its case was rejected, else DUE.
   */
  private async read(where: SQL, orderBy: SQL, today: string): Promise<ScheduledTestRow[]> {
    const rows = await this.db.execute<{ contact_id: string; home_province_code: string | null; case_id: string; person_id: string; degree: string; due_on: string; result_id: string | null; cancelled: boolean }>(sql`
      select s.contact_id, s.home_province_code, s.case_id, s.person_id, s.degree, s.due_on::text as due_on, r.id as result_id, s.cancelled_at is not null as cancelled
      from test_schedules s
      left join lateral (
        select t.id from test_results t
        where t.person_id = s.person_id and not t.retest_required
          and (t.collected_at at time zone 'Asia/Ho_Chi_Minh')::date >= s.due_on
        order by t.collected_at, t.id limit 1) r on true
      where ${where}
      order by ${orderBy}`);
    return rows.map((r) => ({
      contactId: r.contact_id,
      homeProvinceCode: r.home_province_code,
      caseId: r.case_id,
      personId: r.person_id,
      degree: r.degree,
      dueOn: r.due_on,
      resultId: r.result_id,
      status: r.result_id ? 'DONE' : r.cancelled ? 'CANCELLED' : r.due_on < today ? 'OVERDUE' : 'DUE',
    }));
  }
}

/** Serialises writing and cancelling a case's schedules (advisory locks in id order): a schedule written while its case is cancelled is either cancelled or not written. */
async function lockCases(tx: Parameters<Parameters<TestingDb['transaction']>[0]>[0], caseIds: readonly string[]): Promise<void> {
  const ids = [...new Set(caseIds)].sort();
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('test-schedule-case:' || id)) from unnest(${textArray(ids)}) as id`);
}
