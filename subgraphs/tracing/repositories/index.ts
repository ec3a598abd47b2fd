import type { TracingDb } from '../db/models.ts';
import { CaseRepository } from './CaseRepository.ts';
import { ContactRepository } from './ContactRepository.ts';
import { ContactRuleRepository } from './ContactRuleRepository.ts';
import { TracingRunRepository } from './TracingRunRepository.ts';

export { CaseRepository, ContactRepository, ContactRuleRepository, TracingRunRepository };
export type { ConfirmCaseCommand, CaseFilter } from './CaseRepository.ts';
export type { ContactInput, PersonContactStatus } from './ContactRepository.ts';
export { CaseIdConflictError, UnknownContactRuleError } from './errors.ts';

export interface TracingRepositories {
  cases: CaseRepository;
  contacts: ContactRepository;
  runs: TracingRunRepository;
  rules: ContactRuleRepository;
}

export function createRepositories(db: TracingDb): TracingRepositories {
  return {
    cases: new CaseRepository(db),
    contacts: new ContactRepository(db),
    runs: new TracingRunRepository(db),
    rules: new ContactRuleRepository(db),
  };
}
