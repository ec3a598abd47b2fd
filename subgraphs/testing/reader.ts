import { hubError } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';
import { readRefusal, resultRefusal } from './access.ts';
import type { TestResultAuditTrail } from './audit.ts';
import type { TestResultRow } from './db/models.ts';
import type { TestingLoaders } from './loaders.ts';
import type { ScheduledTestRow } from './repositories/index.ts';

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

  private refuseLab(personId: string, field: 'testResults' | 'latestTest' | 'testSchedule'): void {
    const refusal = readRefusal(this.deps.identity);
    if (!refusal) return;
    this.deps.audit.record(personId, 'DENIED', [field]);
    throw hubError('FORBIDDEN', refusal);
  }
}
