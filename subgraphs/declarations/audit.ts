import type { RequestHooks } from '../shared/executor.ts';
import {
  AuditTrail as SharedAuditTrail,
  auditHooks as sharedAuditHooks,
  clientOperationName as sharedClientOperationName,
  type AuditedContext,
  type AuditSink,
} from '../shared/audit.ts';
import type { Logger } from '../shared/logger.ts';
import { fieldSelector } from '../shared/selection.ts';
import { PERSON_FIELDS, type PersonField } from './access.ts';

/**
 * Audit of reads of identity data (the declarations subgraph's part of the shared audit,
 * subgraphs/shared/audit.ts): the audited fields are the Person fields that carry personal data
 * (`PERSON_FIELDS`), read from each resolver's selection. The trail, the writer (group commit) and
 * the hooks that write before the response leaves are the shared ones.
 */

export { AUDIT_UNAVAILABLE_MESSAGE, AuditWriter } from '../shared/audit.ts';

/** The records of one request, one per person, with the Person fields in `PERSON_FIELDS` order. */
export class AuditTrail extends SharedAuditTrail<PersonField> {
  constructor() {
    super(PERSON_FIELDS);
  }
}

/** The Person fields a resolver's selection asks for (see `fieldSelector`). */
export const requestedPersonFields = fieldSelector('Person', PERSON_FIELDS);

/** The client's operation name, without the gateway's `__declarations__N` suffix. */
export const clientOperationName = (name: string | null | undefined): string | null => sharedClientOperationName(name, 'declarations');

export function auditHooks<TContext extends AuditedContext>(repository: AuditSink, now: () => Date, logger: Logger): RequestHooks<TContext> {
  return sharedAuditHooks<TContext>({ subgraph: 'declarations', repository, now, logger });
}
