import type { AuditSink, NewAuditRecord } from './audit.ts';
import { timeAuditWrite } from './metrics.ts';

/**
 * Group commit of audit records (the writer behind the audit hooks, audit.ts `auditHooks`): which
 * requests' records share one INSERT, and when it leaves.
 */

interface QueuedWrite {
  rows: NewAuditRecord[];
  done: () => void;
  failed: (error: unknown) => void;
  onSent?: () => void;
  /** A crowd's records: their batch leaves at once (see AuditWriter.write). */
  atOnce: boolean;
}

/** From this many records a write is not held for the rest of the event loop's turn (AuditWriter.write). */
const WRITE_AT_ONCE_FROM = 100;

/**
 * The longest a batch waits for the records of requests that were executing when it was due
 * (AuditWriter.flush): long enough for a sibling card's few look-ups, short beside a read's answer.
 */
export const AUDIT_SIBLING_WAIT_MS = 2;

/**
 * Group commit for audit records. Every request's records go into exactly one INSERT, and the
 * request waits for that INSERT to commit before it answers; requests that finish while an
 * INSERT is in flight share the next one, and a batch that is due while other requests are still
 * executing waits for their records (at most AUDIT_SIBLING_WAIT_MS). Under load this turns one
 * commit (one WAL flush) per request into one per batch. If a batch fails, every request in it
 * answers without data.
 */
export class AuditWriter {
  private queue: QueuedWrite[] = [];
  private flushing = false;
  /** Requests that have started and may still hand over records (begin … end). */
  private readonly executing = new Set<object>();
  /** While a batch waits for its siblings: those it waits for, and how to wake it. */
  private waiting: { for: Set<object>; wake: () => void } | null = null;

  constructor(
    private readonly repository: AuditSink,
    /** Its label in hub_audit_* metrics. */
    private readonly subgraph = '',
    private readonly siblingWaitMs = AUDIT_SIBLING_WAIT_MS,
  ) {}

  /** A request has started: a batch that is due while it executes waits for its records. */
  begin(request: object): void {
    this.executing.add(request);
  }

  /**
   * A request hands over no more records that a batch should wait for: it has written them, or
   * it has ended (answered, failed or thrown). Called at least once per `begin`; more is harmless.
   */
  end(request: object): void {
    if (!this.executing.delete(request)) return;
    const waiting = this.waiting;
    if (waiting?.for.delete(request) && waiting.for.size === 0) waiting.wake();
  }

  /**
   * Stores `rows` with the next batch; `request` (as given to `begin`) ends with it. `onSent` as in
   * AuditSink.append: a crowd's once their batch is on its way; a request's few at once, since
   * they leave in this turn's check phase unless a batch is in flight or waiting, which an early
   * write need not wait for.
   */
  write(rows: NewAuditRecord[], onSent?: () => void, request?: object): Promise<void> {
    const atOnce = rows.length >= WRITE_AT_ONCE_FROM;
    if (!atOnce) onSent?.();
    const written = new Promise<void>((done, failed) => {
      this.queue.push({ rows, done, failed, onSent: atOnce ? onSent : undefined, atOnce });
      if (this.flushing) return;
      this.flushing = true;
      // A request's few records wait for the rest of this turn of the event loop: requests whose
      // answers were ready in the same turn join their INSERT (under the trust bench's load 1.85
      // records per INSERT instead of 1.45). A crowd's records go at once: they are a batch
      // already, and an early write (AuditTrail.complete) must be on its way before the answer
      // is built.
      if (atOnce) void this.flush();
      else setImmediate(() => void this.flush());
    });
    if (request) this.end(request);
    return written;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        if (!this.queue.some((w) => w.atOnce)) await this.siblings();
        const batch = this.queue;
        this.queue = [];
        try {
          const rows = batch.flatMap((w) => w.rows);
          const sent = () => batch.forEach((w) => w.onSent?.());
          await timeAuditWrite(this.subgraph, rows.length, () => this.repository.append(rows, sent));
          for (const w of batch) w.done();
        } catch (error) {
          for (const w of batch) w.failed(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Waits until the requests executing now have handed over their records or ended, at most
   * AUDIT_SIBLING_WAIT_MS: their records then share this batch's INSERT and its commit (one WAL
   * flush cost this machine's PostgreSQL about 70 µs of CPU, as much as the rest of a one-record
   * INSERT). Requests that start meanwhile are not waited for, so a steady stream cannot hold a
   * batch past the first wait; a lone request is not held at all.
   */
  private async siblings(): Promise<void> {
    if (this.executing.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((wake) => {
      this.waiting = { for: new Set(this.executing), wake };
      timer = setTimeout(wake, this.siblingWaitMs);
    });
    clearTimeout(timer);
    this.waiting = null;
  }
}
