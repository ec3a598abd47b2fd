import { hubError } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';
import { provinceDayRefusal, readRefusal, resultRefusal } from './access.ts';
import type { TestResultAuditTrail, TestResultField } from './audit.ts';
import type { TestResultRow } from './db/models.ts';
import type { TestingLoaders } from './loaders.ts';
import type { ScheduledTestRow, SiteDaySummary, SiteKey } from './repositories/index.ts';
import type { Page } from './validation.ts';

export interface TestingReaderDeps {
  identity: Identity;
  loaders: TestingLoaders;
  audit: TestResultAuditTrail;
}

/**
 * The only way resolvers read test results. One result (`testResult`, `_entities`) is loaded,
 * judged by the policy (access.ts) and refused with FORBIDDEN when the caller may not see it;
 * lists are filtered in SQL (loaders.ts), and refused whole for a lab. Every read, and every
 * refusal, is recorded in the request's audit trail (one record per person). Ids are well-formed here.
 */
export class TestingReader {
  constructor(private readonly deps: TestingReaderDeps) {}

  async result(id: string): Promise<TestResultRow | null> {
    const { identity, loaders, audit } = this.deps;
    const row = await loaders.resultRow.load(id.toLowerCase());
    if (!row) return null;
    const refusal = resultRefusal(identity, row);
    audit.record(row.personId, refusal ? 'DENIED' : 'ALLOWED', ['testResult']);
    if (refusal) throw hubError('FORBIDDEN', refusal);
    return row;
  }

  async resultsOf(personId: string): Promise<TestResultRow[]> {
    this.refuseLab(personId, 'testResults');
    const rows = await this.deps.loaders.resultsOfPerson.load(personId);
    this.deps.audit.record(personId, 'ALLOWED', ['testResults']);
    return rows;
  }

  async latestOf(personId: string): Promise<TestResultRow | null> {
    this.refuseLab(personId, 'latestTest');
    const row = await this.deps.loaders.latestOfPerson.load(personId);
    this.deps.audit.record(personId, 'ALLOWED', ['latestTest']);
    return row;
  }

  /** `Person.testSchedule`: the schedules the caller may see (filtered in SQL); a read even when none is. */
  async scheduleOf(personId: string): Promise<ScheduledTestRow[]> {
    this.refuseLab(personId, 'testSchedule');
    const rows = await this.deps.loaders.testScheduleOfPerson.load(personId);
    this.deps.audit.record(personId, 'ALLOWED', ['testSchedule']);
    return rows;
  }

  /**
   * `Contact.testSchedule`, `TracingTask.testSchedule`: the contact's schedule as the caller may
   * see it (filtered in SQL), each person returned audited. A lab is refused with no record: the
   * contact's person is not known without reading the schedule.
   */
  async scheduleOfContact(contactId: string): Promise<ScheduledTestRow[]> {
    const refusal = readRefusal(this.deps.identity);
    if (refusal) throw hubError('FORBIDDEN', refusal);
    const rows = await this.deps.loaders.testScheduleOfContact.load(contactId);
    this.recordEach(rows, 'testSchedule');
    return rows;
  }

  /** `Province.testingSchedule`: the province's list for a Vietnam day, for those who may read its day. */
  async provinceSchedule(provinceCode: string, date: string, page: Page): Promise<ScheduledTestRow[]> {
    this.refuseProvinceDay(provinceCode);
    const rows = await this.deps.loaders.provinceSchedule({ date, page }).load(provinceCode);
    this.recordEach(rows, 'testingSchedule');
    return rows;
  }

  /** `TestingSite.results`: the site's results of a Vietnam day, for those who may read its province's day. */
  async siteResults(site: SiteKey, date: string, page: Page): Promise<TestResultRow[]> {
    this.refuseProvinceDay(site.provinceCode);
    const rows = await this.deps.loaders.siteResults({ date, page }).load(site);
    this.recordEach(rows, 'siteResults');
    return rows;
  }

  /** `TestingSite.summary`: counts, no person (not audited), for the same callers as `siteResults`. */
  async siteSummary(site: SiteKey, date: string): Promise<Omit<SiteDaySummary, keyof SiteKey>> {
    this.refuseProvinceDay(site.provinceCode);
    const counts = await this.deps.loaders.siteSummary(date).load(site);
    return counts ?? { total: 0, positive: 0, negative: 0, inconclusive: 0, invalid: 0, retestRequired: 0 };
  }

  private refuseProvinceDay(provinceCode: string): void {
    const refusal = provinceDayRefusal(this.deps.identity, provinceCode);
    if (refusal) throw hubError('FORBIDDEN', refusal);
  }

  private recordEach(rows: ReadonlyArray<{ personId: string }>, field: TestResultField): void {
    for (const personId of new Set(rows.map((r) => r.personId))) this.deps.audit.record(personId, 'ALLOWED', [field]);
  }

  private refuseLab(personId: string, field: 'testResults' | 'latestTest' | 'testSchedule'): void {
    const refusal = readRefusal(this.deps.identity);
    if (!refusal) return;
    this.deps.audit.record(personId, 'DENIED', [field]);
    throw hubError('FORBIDDEN', refusal);
  }
}
