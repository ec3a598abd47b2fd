import { eq, sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { TracingDb, TracingRunRow } from '../db/models.ts';
import { anyUuid } from '../../shared/sql.ts';

/**
 * Tracing runs (one per case, id = case id). The status changes are for the tracing worker:
 * each is one UPDATE, safe to repeat when a crashed job runs again.
 */
export class TracingRunRepository {
  constructor(private readonly db: TracingDb) {}

  byIds(ids: readonly string[]): Promise<TracingRunRow[]> {
    return this.db.select().from(schema.tracingRuns).where(anyUuid(schema.tracingRuns.id, ids));
  }

  /**
   * Runs still QUEUED since before `before`, oldest first: their case was stored, but its job may
   * have been lost (the queue was unreachable when the case was confirmed, or lost its data).
   * Served by the partial index on queued runs.
   */
  async queuedBefore(before: Date, limit: number): Promise<string[]> {
    const t = schema.tracingRuns;
    const rows = await this.db
      .select({ id: t.id })
      .from(t)
      .where(sql`${t.status} = 'QUEUED' and ${t.queuedAt} < ${before.toISOString()}`)
      .orderBy(t.queuedAt)
      .limit(limit);
    return rows.map((r) => r.id);
  }

  /** The worker picked the job up (again, after a crash or a retry): clears a previous outcome. */
  async markRunning(id: string, at = new Date()): Promise<TracingRunRow | null> {
    const [row] = await this.db
      .update(schema.tracingRuns)
      .set({ status: 'RUNNING', startedAt: at, finishedAt: null, error: null })
      .where(eq(schema.tracingRuns.id, id))
      .returning();
    return row ?? null;
  }

  /** Contacts are written and sent: the counts and the provinces that received tracing tasks. */
  async markSucceeded(
    id: string,
    counts: { f1Count: number; f2Count: number },
    provincesNotified: readonly string[],
    at = new Date(),
    delivery: { provincesPending?: readonly string[]; unplacedCount?: number } = {},
  ): Promise<TracingRunRow | null> {
    const [row] = await this.db
      .update(schema.tracingRuns)
      .set({
        status: 'SUCCEEDED',
        f1Count: counts.f1Count,
        f2Count: counts.f2Count,
        provincesNotified: [...new Set(provincesNotified)].sort(),
        provincesPending: [...new Set(delivery.provincesPending ?? [])].sort(),
        unplacedCount: delivery.unplacedCount ?? 0,
        finishedAt: at,
        error: null,
      })
      .where(eq(schema.tracingRuns.id, id))
      .returning();
    return row ?? null;
  }

  /** A province that was down has now accepted its tasks: it moves from pending to notified. */
  async provinceDelivered(id: string, province: string): Promise<TracingRunRow | null> {
    const [row] = await this.db
      .update(schema.tracingRuns)
      .set({
        provincesNotified: sql`(select coalesce(array_agg(distinct p order by p), '{}') from unnest(array_append(${schema.tracingRuns.provincesNotified}, ${province}::text)) p)`,
        provincesPending: sql`array_remove(${schema.tracingRuns.provincesPending}, ${province}::text)`,
      })
      .where(eq(schema.tracingRuns.id, id))
      .returning();
    return row ?? null;
  }

  /** The last attempt failed; `error` is a message for officials (no personal data). */
  async markFailed(id: string, error: string, at = new Date()): Promise<TracingRunRow | null> {
    const [row] = await this.db
      .update(schema.tracingRuns)
      .set({ status: 'FAILED', error, finishedAt: at })
      .where(eq(schema.tracingRuns.id, id))
      .returning();
    return row ?? null;
  }
}
