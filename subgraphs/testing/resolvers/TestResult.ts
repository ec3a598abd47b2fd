import { isUuid } from '../../shared/validate.ts';
import type { TestResultRevisionRow, TestResultRow } from '../db/models.ts';
import type { TestingContext } from './context.ts';

const siteOf = (r: { siteProvinceCode: string | null; siteId: string | null }) =>
  r.siteProvinceCode && r.siteId ? { provinceCode: r.siteProvinceCode, id: r.siteId } : null;

export const TestResult = {
  // A malformed id cannot name a result: null, rather than a SQL error. A result the caller may not read: FORBIDDEN.
  __resolveReference: (ref: { id: string }, ctx: TestingContext) => (isUuid(ref.id) ? ctx.reader.result(ref.id) : null),
  person: (r: TestResultRow) => ({ id: r.personId }),
  testingSite: siteOf,
  pool: (r: TestResultRow) => (r.poolSize === null ? null : { size: r.poolSize, retestRequired: r.retestRequired }),
  // Reached only through a result the reader let through.
  history: (r: TestResultRow, _: unknown, ctx: TestingContext) => ctx.loaders.revisions.load(r.id),
};

export const TestResultRevision = {
  testingSite: (r: TestResultRevisionRow) => siteOf(r),
};

export const ScheduledTest = {
  person: (s: { personId: string }) => ({ id: s.personId }),
  // Tracing decides who may see the contact record itself.
  contact: (s: { contactId: string }) => ({ id: s.contactId }),
  // The result is health data of its own: read (and audited) like any single result.
  result: (s: { resultId: string | null }, _: unknown, ctx: TestingContext) => (s.resultId ? ctx.reader.result(s.resultId) : null),
};
