/**
 * Expected refusals raised inside a repository transaction (throwing rolls the transaction back);
 * the resolvers turn them into the schema's result types.
 */
export class UnknownContactRuleError extends Error {
  constructor(readonly rule: string) {
    super(`There is no contact rule named "${rule}".`);
    this.name = 'UnknownContactRuleError';
  }
}

/** A client id that already names a case of another person: a reused id, not a retry. */
export class CaseIdConflictError extends Error {
  constructor(readonly caseId: string) {
    super(`Case id ${caseId} is already used for a case of another person; a retry must repeat the same person.`);
    this.name = 'CaseIdConflictError';
  }
}
