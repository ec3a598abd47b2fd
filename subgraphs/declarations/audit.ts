import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Identity } from '../shared/identity.ts';
import type { Logger } from '../shared/logger.ts';
import { isPersonField, PERSON_FIELDS, type ActiveGrant, type AuditOutcome, type PersonField } from './access.ts';
import type { AuditRepository, NewAuditRecord } from './repository.ts';

/**
 * Audit of reads of personal data. Each request collects one record per person it read (or was
 * refused) in an `AuditTrail`; the `auditPlugin` writes them (through the `AuditWriter`, in one
 * INSERT) before the response leaves the subgraph, and when that fails, answers an error and no
 * data. Records hold ids and field names, never the personal data itself.
 */

const SEVERITY: Record<AuditOutcome, number> = { ALLOWED: 0, MASKED: 1, DENIED: 2 };

interface Pending {
  personId: string;
  fields: Set<PersonField>;
  masked: Set<PersonField>;
  outcome: AuditOutcome;
  reason: string | null;
  grantId: string | null;
}

/** The records of one request, one per person: reads of the same person merge (fields united, the strictest outcome kept). */
export class AuditTrail {
  private readonly pending = new Map<string, Pending>();

  record(personId: string, outcome: AuditOutcome, fields: readonly PersonField[], masked: readonly PersonField[], grant: ActiveGrant | null): void {
    const entry = this.pending.get(personId);
    if (!entry) {
      this.pending.set(personId, {
        personId,
        fields: new Set(fields),
        masked: new Set(masked),
        outcome,
        reason: grant?.reason ?? null,
        grantId: grant?.id ?? null,
      });
      return;
    }
    for (const f of fields) entry.fields.add(f);
    for (const f of masked) entry.masked.add(f);
    if (SEVERITY[outcome] > SEVERITY[entry.outcome]) entry.outcome = outcome;
    if (grant) {
      entry.reason = grant.reason;
      entry.grantId = grant.id;
    }
  }

  get size(): number {
    return this.pending.size;
  }

  /** The request's records as rows, and the trail emptied (a record is written once). */
  drain(meta: { identity: Identity; operationName: string | null; at: Date }): NewAuditRecord[] {
    const { identity } = meta;
    const jurisdiction = identity.jurisdiction === 'all' ? ['all'] : [...identity.jurisdiction];
    const ordered = (set: Set<PersonField>) => PERSON_FIELDS.filter((f) => set.has(f));
    const rows = [...this.pending.values()].map((p) => ({
      subject: identity.subject,
      role: identity.role,
      jurisdiction,
      personId: p.personId,
      fields: ordered(p.fields),
      maskedFields: ordered(p.masked),
      operationName: meta.operationName,
      purpose: identity.purpose,
      at: meta.at,
      outcome: p.outcome,
      reason: p.reason,
      breakGlassGrantId: p.grantId,
    }));
    this.pending.clear();
    return rows;
  }
}

const selections = new WeakMap<readonly FieldNode[], PersonField[]>();

/**
 * The Person fields a resolver's selection asks for (field names only, sub-selections ignored):
 * fields directly on the selection, in inline fragments and named fragments on Person (or without
 * a type condition). Works for `_entities` too, whose selection is `... on Person { … }`.
 * Cached per field node, so 1,000 entity references cost one walk.
 */
export function requestedPersonFields(info: GraphQLResolveInfo): PersonField[] {
  const cached = selections.get(info.fieldNodes);
  if (cached) return cached;
  const found = new Set<PersonField>();
  const visit = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (isPersonField(selection.name.value)) found.add(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || selection.typeCondition.name.value === 'Person') visit(selection.selectionSet);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (fragment?.typeCondition.name.value === 'Person') visit(fragment.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  const fields = PERSON_FIELDS.filter((f) => found.has(f));
  selections.set(info.fieldNodes, fields);
  return fields;
}

/**
 * The client's operation name. The gateway names each subgraph fetch `<client name>__<subgraph>__<n>`
 * (e.g. `PersonOverview__declarations__0`); the client part is what an auditor recognises.
 */
export function clientOperationName(name: string | null | undefined): string | null {
  if (!name) return null;
  return name.replace(/__declarations__\d+$/, '') || null;
}

interface QueuedWrite {
  rows: NewAuditRecord[];
  done: () => void;
  failed: (error: unknown) => void;
}

/**
 * Group commit for audit records. Every request's records go into exactly one INSERT, and the
 * request waits for that INSERT to commit before it answers; requests that finish while an
 * INSERT is in flight share the next one. Under load this turns one commit (one WAL flush) per
 * request into one per batch. If a batch fails, every request in it answers without data.
 */
export class AuditWriter {
  private queue: QueuedWrite[] = [];
  private flushing = false;

  constructor(private readonly repository: AuditRepository) {}

  write(rows: NewAuditRecord[]): Promise<void> {
    return new Promise((done, failed) => {
      this.queue.push({ rows, done, failed });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.repository.append(batch.flatMap((w) => w.rows));
          for (const w of batch) w.done();
        } catch (error) {
          for (const w of batch) w.failed(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

export const AUDIT_UNAVAILABLE_MESSAGE = 'The audit record of this read could not be written, so no data is returned. Try again later.';

interface AuditedContext extends BaseContext {
  identity: Identity;
  /** Null when the policy and audit are switched off (the benchmark's baseline). */
  audit: AuditTrail | null;
}

/**
 * Writes each request's audit records before its response leaves the subgraph. If the write
 * fails, the response is replaced by one AUDIT_UNAVAILABLE error and no data: personal data is
 * never returned without its audit record.
 */
export function auditPlugin<TContext extends AuditedContext>(repository: AuditRepository, now: () => Date, logger: Logger): ApolloServerPlugin<TContext> {
  const writer = new AuditWriter(repository);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operationName }) {
          const trail = contextValue.audit;
          if (!trail || trail.size === 0) return;
          const rows = trail.drain({ identity: contextValue.identity, operationName: clientOperationName(operationName), at: now() });
          try {
            await writer.write(rows);
          } catch (error) {
            logger.error({ err: error, records: rows.length }, 'audit write failed: response withheld');
            if (response.body.kind === 'single') {
              response.body.singleResult = { errors: [{ message: AUDIT_UNAVAILABLE_MESSAGE, extensions: { code: 'AUDIT_UNAVAILABLE' } }] };
            } else {
              // Incremental delivery is not enabled on subgraphs; refuse rather than stream unaudited data.
              throw error;
            }
          }
        },
      };
    },
  };
}
