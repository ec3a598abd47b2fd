import type { TracingDb } from '../db/models.ts';
import { CaseRepository } from './cases.ts';
import { ContactRepository } from './contacts.ts';
import { ContactRuleRepository } from './contact-rules.ts';
import { TracingRunRepository } from './tracing-runs.ts';

export { CaseRepository, ContactRepository, ContactRuleRepository, TracingRunRepository };
export type { ConfirmCaseCommand, CaseFilter } from './cases.ts';
export type { ContactInput, PersonContactStatus } from './contacts.ts';
export { CaseIdConflictError, UnknownContactRuleError } from './errors.ts';

export interface TracingRepositories {
  cases: CaseRepository;
  contacts: ContactRepository;
  runs: TracingRunRepository;
  rules: ContactRuleRepository;
}

/** One repository per aggregate, over the tracing database. */
export function createRepositories(db: TracingDb): TracingRepositories {
  return {
    cases: new CaseRepository(db),
    contacts: new ContactRepository(db),
    runs: new TracingRunRepository(db),
    rules: new ContactRuleRepository(db),
  };
}
