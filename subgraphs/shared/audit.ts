import type { BaseContext } from '@apollo/server';
import type { RequestHooks } from './executor.ts';
import { desc, eq } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { auditRecords, type AuditOutcome } from './audit-table.ts';
import { afterCopy, copyInto, copyText, inReservedTransaction, NOT_RESERVED } from './copy.ts';
import { badInput } from './errors.ts';
import { postgresClientOf } from './db.ts';
import type { Identity } from './identity.ts';
import type { Logger } from './logger.ts';
import { AuditWriter } from './audit-writer.ts';

/**
 * Audit of reads of a person's data, shared by the subgraphs that hold such data (declarations:
 * identity data; tracing: health status). Each request collects one record per person it read
 * (or was refused) in an `AuditTrail`; the `auditPlugin` writes them (through the `AuditWriter`,
 * in one INSERT into the subgraph's `audit_records` table) before the response leaves the
 * subgraph, and when that fails, answers an error and no data. Records hold ids and field names,
 * never the personal data itself. A subgraph brings its own list of audited field names and its
 * own database; everything else is here.
 */

export type { AuditOutcome } from './audit-table.ts';
export { AUDIT_SIBLING_WAIT_MS, AuditWriter } from './audit-writer.ts';

export type AuditRecordDto = typeof auditRecords.$inferSelect;
export type NewAuditRecord = Omit<typeof auditRecords.$inferInsert, 'id'>;

/** A break-the-glass grant a read happened under (declarations only). */
export interface AuditGrant {
  id: string;
  reason: string;
}

const SEVERITY: Record<AuditOutcome, number> = { ALLOWED: 0, MASKED: 1, DENIED: 2 };

/**
 * One person's record while the request runs. Its fields are bits of the subgraph's field list
 * (bit i: `fieldOrder[i]`), not Sets: a crowd's look-up records 25,000 people, and two Sets each
 * were most of what recording allocated.
 */
interface Pending {
  personId: string;
  fields: number;
  masked: number;
  outcome: AuditOutcome;
  reason: string | null;
  grantId: string | null;
}

/** Who read, under which operation, when: the same for every record of a request. */
export interface DrainMeta {
  identity: Identity;
  operationName: string | null;
  at: Date;
}

/**
 * The records of one request, one per person: reads of the same person merge (fields united, the
 * strictest outcome kept). `fieldOrder` is the subgraph's list of audited field names; a record's
 * fields are written in that order.
 */
export class AuditTrail<F extends string = string> {
  private readonly pending = new Map<string, Pending>();
  private readonly bitOf: ReadonlyMap<F, number>;
  /** How `complete` writes (given by the audit hooks once the operation is known), and its write. */
  private writeEarly: ((onSent: () => void) => Promise<void>) | null = null;
  private early: Promise<void> | null = null;

  constructor(private readonly fieldOrder: readonly F[]) {
    if (fieldOrder.length > 30) throw new Error('An audit trail keeps at most 30 field names (bits of one number).');
    this.bitOf = new Map(fieldOrder.map((field, i) => [field, 1 << i]));
  }

  /** Lets `complete` write the records at once: the audit hooks, once the operation is known. */
  enableEarlyWrite(write: EarlyWrite, meta: () => DrainMeta): void {
    this.writeEarly = (onSent) => write(this.drain(meta()), onSent);
  }

  /**
   * Says that the records so far are all this request will make (a resolver whose field is the
   * operation's only read of people): they are written now, while the rest of the answer is
   * built, and the response still waits for the write (`settle`). For a crowd's 12,500 contacts
   * the INSERT then runs on another core during the answer's execution instead of after it.
   * Records made after it anyway are written by `settle`, in a second statement.
   *
   * Resolves once the records are on their way (or their write has ended): GraphQL's execution
   * of a large answer is synchronous, and the driver needs the event loop to send a statement
   * (a few promise hops for the INSERT; for a crowd's COPY, the replies to BEGIN and to the COPY
   * itself), so without this wait the records would leave only after the whole answer was built
   * (measured: no overlap at all for the INSERT; for a 12,000-record COPY, BEGIN's reply was read
   * 15-47 ms late).
   */
  async complete(): Promise<void> {
    if (this.early || !this.writeEarly || this.pending.size === 0) return;
    let sent!: () => void;
    const onItsWay = new Promise<void>((resolve) => (sent = resolve));
    const early = this.writeEarly(sent);
    this.early = early;
    early.catch(() => {}); // reported where `settle` awaits it
    await Promise.race([onItsWay, early.catch(() => {})]);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Waits for an early write and writes what is left: every record is stored, or this throws. */
  async settle(write: (rows: NewAuditRecord[]) => Promise<void>, meta: DrainMeta): Promise<void> {
    if (this.early) await this.early;
    if (this.pending.size > 0) await write(this.drain(meta));
  }

  record(personId: string, outcome: AuditOutcome, fields: readonly F[], masked: readonly F[] = [], grant: AuditGrant | null = null): void {
    const entry = this.pending.get(personId);
    if (!entry) {
      this.pending.set(personId, {
        personId,
        fields: this.bits(fields),
        masked: masked.length === 0 ? 0 : this.bits(masked),
        outcome,
        reason: grant?.reason ?? null,
        grantId: grant?.id ?? null,
      });
      return;
    }
    entry.fields |= this.bits(fields);
    if (masked.length > 0) entry.masked |= this.bits(masked);
    if (SEVERITY[outcome] > SEVERITY[entry.outcome]) entry.outcome = outcome;
    if (grant) {
      entry.reason = grant.reason;
      entry.grantId = grant.id;
    }
  }

  get size(): number {
    return this.pending.size;
  }

  /** The bits of field names; a name outside the subgraph's list is a programming error. */
  private bits(fields: readonly F[]): number {
    let bits = 0;
    for (const field of fields) {
      const bit = this.bitOf.get(field);
      if (bit === undefined) throw new Error(`"${field}" is not an audited field of this subgraph.`);
      bits |= bit;
    }
    return bits;
  }

  /** The request's records as rows, and the trail emptied (a record is written once). */
  drain(meta: DrainMeta): NewAuditRecord[] {
    const { identity } = meta;
    const jurisdiction = identity.jurisdiction === 'all' ? ['all'] : [...identity.jurisdiction];
    // The same bits give the same list: one array per distinct set of fields, shared by its rows.
    const lists = new Map<number, F[]>();
    const ordered = (bits: number) => {
      let list = lists.get(bits);
      if (!list) lists.set(bits, (list = this.fieldOrder.filter((_, i) => (bits & (1 << i)) !== 0)));
      return list;
    };
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

/**
 * The client's operation name. The gateway names each subgraph fetch `<client name>__<subgraph>__<n>`
 * (e.g. `PersonOverview__declarations__0`); the client part is what an auditor recognises.
 */
export function clientOperationName(name: string | null | undefined, subgraph: string): string | null {
  if (!name) return null;
  return name.replace(fetchSuffixOf(subgraph), '') || null;
}

/** The suffix of a subgraph's fetch names, built once per subgraph (it was built per request). */
const fetchSuffixes = new Map<string, RegExp>();
function fetchSuffixOf(subgraph: string): RegExp {
  let suffix = fetchSuffixes.get(subgraph);
  if (!suffix) fetchSuffixes.set(subgraph, (suffix = new RegExp(`__${subgraph.replace(/[^A-Za-z0-9_]/g, '')}__\\d+$`)));
  return suffix;
}

/**
 * Writes records and says when they are on their way (`onSent`, called at most once; a write that
 * fails first need not call it): what an early write (AuditTrail.complete) waits for.
 */
export type EarlyWrite = (rows: NewAuditRecord[], onSent: () => void) => Promise<void>;

/** Where a subgraph's audit records go (an `AuditRepository`, or a stand-in in tests). */
export interface AuditSink {
  /** Stores the records, all or none; `onSent`, if given, is called once they are on their way to the database. */
  append(records: readonly NewAuditRecord[], onSent?: () => void): Promise<void>;
}

/**
 * What varies per person travels as arrays, the request's own details once per request. Field
 * names are GraphQL names and jurisdictions province codes or `all`: a comma joins and splits them
 * safely, and keeps each array column one-dimensional.
 */
const AUDIT_COLUMNS = 'subject, role, jurisdiction, person_id, fields, masked_fields, operation_name, purpose, at, outcome, reason, break_glass_grant_id';

const INSERT_AUDIT_RECORDS = `
  insert into audit_records (${AUDIT_COLUMNS})
  select q.subject, q.role, q.jurisdiction, r.person_id, string_to_array(r.fields, ','), string_to_array(r.masked, ','),
         q.operation_name, q.purpose, q.at, r.outcome, r.reason, r.grant_id
  from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[]) r(person_id, request, fields, masked, outcome, reason, grant_id)
  join (
    select subject, role, string_to_array(jurisdiction, ',') as jurisdiction, operation_name, purpose, at, n
    from unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[]::timestamptz[]) with ordinality q(subject, role, jurisdiction, operation_name, purpose, at, n)
  ) q on q.n = r.request`;

/** Up to this many records, a write sends each record's values as parameters (see AuditRepository.append). */
export const INSERT_AUDIT_VALUES_UP_TO = 8;

/** `insert … values` for 1..INSERT_AUDIT_VALUES_UP_TO records, one statement text per count (each prepared once per connection). */
const INSERT_AUDIT_VALUES = Array.from({ length: INSERT_AUDIT_VALUES_UP_TO + 1 }, (_, n) => {
  const row = (i: number) => {
    const p = (k: number) => `$${i * 12 + k}`;
    return `(${p(1)}, ${p(2)}, ${p(3)}::text[], ${p(4)}::uuid, ${p(5)}::text[], ${p(6)}::text[], ${p(7)}, ${p(8)}, ${p(9)}::timestamptz, ${p(10)}, ${p(11)}, ${p(12)}::uuid)`;
  };
  return `insert into audit_records (${AUDIT_COLUMNS}) values ${Array.from({ length: n }, (_, i) => row(i)).join(', ')}`;
});

/** From this many records (a crowd's look-up) a write is a COPY, not the INSERT (see AuditRepository.append). */
export const COPY_AUDIT_RECORDS_FROM = 1_000;

const COPY_AUDIT_RECORDS = `copy audit_records (${AUDIT_COLUMNS}) from stdin`;

/** Field names, jurisdictions and ids need no quoting in an array literal (see INSERT_AUDIT_RECORDS). */
const arrayText = (values: readonly string[]) => `{${values.join(',')}}`;

/** One record as a line of COPY's text format. */
function copyLine(r: NewAuditRecord): string {
  return `${copyText(r.subject)}\t${copyText(r.role)}\t${arrayText(r.jurisdiction)}\t${r.personId}\t${arrayText(r.fields)}\t${arrayText(r.maskedFields)}\t${copyText(r.operationName ?? null)}\t${copyText(r.purpose ?? null)}\t${r.at.toISOString()}\t${r.outcome}\t${copyText(r.reason ?? null)}\t${copyText(r.breakGlassGrantId ?? null)}\n`;
}

/** The most records one audit-trail query returns. */
export const MAX_AUDIT_LIMIT = 1000;

/** An audit-trail query's `limit` argument, checked (BAD_USER_INPUT outside 1..MAX_AUDIT_LIMIT). */
export function requireAuditLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT) throw badInput(`limit must be from 1 to ${MAX_AUDIT_LIMIT}.`, 'limit');
  return limit;
}

/** The `audit_records` table of one subgraph's database. */
export class AuditRepository implements AuditSink {
  // Any subgraph schema that re-exports `auditRecords` (the repository only touches that table).
  constructor(private readonly db: PostgresJsDatabase<Record<string, unknown>>) {}

  /**
   * Writes a request's records (or a group commit's) in ONE statement, so either all of them are
   * stored or none is: up to INSERT_AUDIT_VALUES_UP_TO records an INSERT of their values
   * (`insertValues`), from COPY_AUDIT_RECORDS_FROM records a COPY in a transaction of its own
   * (`copy`), else this INSERT. What varies per person travels as arrays, the request's own details (who,
   * when, which operation) once per request: drizzle's multi-row `values()` builds a parameter per
   * cell, and for a crowd's exposures (12,500 people) building that statement took over a second of
   * the subgraph's CPU; one JSON document per row still took twice as long as the arrays (measured).
   */
  async append(records: readonly NewAuditRecord[], onSent: () => void = () => {}): Promise<void> {
    if (records.length === 0) return onSent();
    if (records.length <= INSERT_AUDIT_VALUES_UP_TO) return this.insertValues(records, onSent);
    if (records.length >= COPY_AUDIT_RECORDS_FROM && (await this.copy(records, onSent))) return;
    const requests: NewAuditRecord[] = [];
    const requestIndex = new Map<string, number>();
    let last: NewAuditRecord | undefined;
    let lastIndex = 0;
    const requestOf = (r: NewAuditRecord): number => {
      // A request's records come together and share their details (AuditTrail.drain): compared by
      // reference first, so 17,000 records of one request need no key each.
      if (last && r.at === last.at && r.jurisdiction === last.jurisdiction && r.subject === last.subject && r.role === last.role &&
        r.operationName === last.operationName && r.purpose === last.purpose) return lastIndex;
      const key = JSON.stringify([r.subject, r.role, r.jurisdiction, r.operationName, r.purpose, r.at.getTime()]);
      let index = requestIndex.get(key);
      if (index === undefined) {
        requestIndex.set(key, (index = requests.length + 1));
        requests.push(r);
      }
      last = r;
      lastIndex = index;
      return index;
    };
    const rowRequests = records.map(requestOf);
    const column = <T>(rows: readonly NewAuditRecord[], value: (r: NewAuditRecord) => T) => rows.map(value);
    // Prepared (see postgresClientOf): an early write (AuditTrail.complete) reaches the server at
    // once, while the answer is built, instead of after a round trip for the parameter types.
    const inserted = postgresClientOf(this.db).unsafe(
      INSERT_AUDIT_RECORDS,
      [
        column(records, (r) => r.personId), rowRequests, column(records, (r) => r.fields.join(',')), column(records, (r) => r.maskedFields.join(',')),
        column(records, (r) => r.outcome), column(records, (r) => r.reason ?? null), column(records, (r) => r.breakGlassGrantId ?? null),
        column(requests, (r) => r.subject), column(requests, (r) => r.role), column(requests, (r) => r.jurisdiction.join(',')),
        column(requests, (r) => r.operationName ?? null), column(requests, (r) => r.purpose ?? null), column(requests, (r) => r.at.toISOString()),
      ] as never[],
      { prepare: true },
    );
    // postgres.js sends it within the next few promise hops (AuditTrail.complete gives it a turn).
    onSent();
    await inserted;
  }

  /**
   * A few records (one request's, or a group commit's under light load: the usual write) with their
   * values as parameters: for one record, the unnest of INSERT_AUDIT_RECORDS costs the server about
   * a third more (pgbench on this project's 2-core AMD machine, PostgreSQL 15, one connection,
   * prepared, commit included: 108 against 80 µs).
   */
  private async insertValues(records: readonly NewAuditRecord[], onSent: () => void): Promise<void> {
    const values = records.flatMap((r) => [
      r.subject, r.role, r.jurisdiction, r.personId, r.fields, r.maskedFields, r.operationName ?? null, r.purpose ?? null, r.at.toISOString(), r.outcome, r.reason ?? null,
      r.breakGlassGrantId ?? null,
    ]);
    const inserted = postgresClientOf(this.db).unsafe(INSERT_AUDIT_VALUES[records.length]!, values as never[], { prepare: true });
    // As for the INSERT below: postgres.js sends it within the next few promise hops.
    onSent();
    await inserted;
  }

  /**
   * A crowd's records COPYed in a transaction of their own: all stored or none, as with the INSERT.
   * COPY parses the rows in bulk where the INSERT has every column sent as an array, serialised
   * by the client and unnested: for 14,000 records (a tracing look-up's F2) 171-208 ms against
   * 295-446 ms, and 41-72 ms of the subgraph's CPU against 107-186 ms (measured, five rounds).
   * false, nothing written, when the handle cannot reserve a connection: the INSERT then.
   */
  private async copy(records: readonly NewAuditRecord[], onSent: () => void): Promise<boolean> {
    const stored = await inReservedTransaction(this.db, async (transaction) => {
      const failed = await copyInto(transaction, COPY_AUDIT_RECORDS, [Buffer.from(records.map(copyLine).join(''))]);
      if (failed && !(failed instanceof postgres.PostgresError)) throw failed;
      onSent();
      // A refused COPY aborts the transaction, and COMMIT then answers ROLLBACK (shared/copy.ts copyInto).
      const ended = await afterCopy(transaction, () => transaction.sql`commit`);
      if (ended.command !== 'COMMIT') throw failed ?? new Error('The audit records were refused by the database.');
      return true;
    });
    return stored !== NOT_RESERVED;
  }

  /** A person's audit trail, newest first. */
  ofPerson(personId: string, limit: number): Promise<AuditRecordDto[]> {
    const a = auditRecords;
    return this.db.select().from(a).where(eq(a.personId, personId)).orderBy(desc(a.at), desc(a.id)).limit(limit);
  }
}

export const AUDIT_UNAVAILABLE_MESSAGE = 'The audit record of this read could not be written, so no data is returned. Try again later.';

export interface AuditedContext extends BaseContext {
  identity: Identity;
  audit: AuditTrail<string>;
}

export interface AuditHooksOptions {
  /** The subgraph's name, as the gateway puts it into its fetches' operation names. */
  subgraph: string;
  repository: AuditSink;
  now: () => Date;
  logger: Logger;
  /** How long a batch waits for executing requests' records (AuditWriter); tests lengthen it. Default AUDIT_SIBLING_WAIT_MS. */
  siblingWaitMs?: number;
}

/**
 * Writes each request's audit records before its response leaves the subgraph. If the write
 * fails, the response is replaced by one AUDIT_UNAVAILABLE error and no data: personal data is
 * never returned without its audit record.
 */
export function auditHooks<TContext extends AuditedContext>(options: AuditHooksOptions): RequestHooks<TContext> {
  const { subgraph, now, logger } = options;
  const writer = new AuditWriter(options.repository, subgraph, options.siblingWaitMs);
  // The request is the context: the writer's batches wait for the records of requests executing (AuditWriter.begin).
  const writeOf = (context: TContext) => (rows: NewAuditRecord[], onSent?: () => void) => writer.write(rows, onSent, context);
  return {
    didResolveOperation(context, operationName) {
      writer.begin(context);
      const meta = () => ({ identity: context.identity, operationName: clientOperationName(operationName, subgraph), at: now() });
      context.audit.enableEarlyWrite(writeOf(context), meta);
    },
    async willSendResponse(context, result, operationName) {
      try {
        await context.audit.settle(writeOf(context), { identity: context.identity, operationName: clientOperationName(operationName, subgraph), at: now() });
        return result;
      } catch (error) {
        logger.error({ err: error }, 'audit write failed: response withheld');
        return { errors: [{ message: AUDIT_UNAVAILABLE_MESSAGE, extensions: { code: 'AUDIT_UNAVAILABLE' } }] };
      }
    },
    didEnd(context) {
      writer.end(context);
    },
  };
}
