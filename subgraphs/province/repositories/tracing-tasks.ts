import { asc, eq, inArray, sql } from 'drizzle-orm';
import { tracers, tracingTaskNotes, tracingTasks } from '../db/schema.ts';
import type { TracingTaskDegree, TracingTaskNoteRow, TracingTaskRow, TracingTaskStatus } from '../db/models.ts';
import { CLOCK_SKEW_MS } from '../../shared/validate.ts';
import { canTransition } from '../transitions.ts';
import type { ProvinceDb, ProvinceTx } from './db.ts';

export interface TracingTaskDto extends TracingTaskRow {
  provinceCode: string;
}

export interface AcceptTracingTaskInput {
  contactId: string;
  caseId: string;
  personId: string;
  degree: TracingTaskDegree;
  wardCode: string;
  /** Omitted: `DEFAULT_DUE_MS` from now. */
  dueAt?: Date | null;
}

export type AcceptOutcome =
  | { kind: 'accepted'; task: TracingTaskDto; created: boolean }
  | { kind: 'invalid'; field: string; message: string };

export type AssignOutcome = { kind: 'assigned'; task: TracingTaskDto } | { kind: 'taskNotFound' } | { kind: 'tracerNotFound' };

export type UpdateOutcome =
  | { kind: 'updated'; task: TracingTaskDto }
  | { kind: 'notFound' }
  | { kind: 'invalidTransition'; from: TracingTaskStatus; to: TracingTaskStatus };

/** A contact should be reached within a day unless the caller says otherwise. */
export const DEFAULT_DUE_MS = 24 * 60 * 60_000;

/** Tracing tasks (nhiệm vụ truy vết) of this province and their notes. */
export class TracingTasksRepository {
  constructor(
    private readonly db: ProvinceDb,
    private readonly provinceCode: string,
  ) {}

  private dto(row: TracingTaskRow): TracingTaskDto {
    return { ...row, provinceCode: this.provinceCode };
  }

  async byIds(ids: readonly string[]): Promise<TracingTaskDto[]> {
    const rows = await this.db.select().from(tracingTasks).where(inArray(tracingTasks.id, [...ids]));
    return rows.map((row) => this.dto(row));
  }

  /** Earliest due first (the `(status, due_at)` index serves the filtered form). */
  async list(filter: { status?: TracingTaskStatus } = {}): Promise<TracingTaskDto[]> {
    const rows = await this.db
      .select()
      .from(tracingTasks)
      .where(filter.status ? eq(tracingTasks.status, filter.status) : undefined)
      .orderBy(asc(tracingTasks.dueAt), asc(tracingTasks.id));
    return rows.map((row) => this.dto(row));
  }

  notesByTaskIds(taskIds: readonly string[]): Promise<TracingTaskNoteRow[]> {
    return this.db
      .select()
      .from(tracingTaskNotes)
      .where(inArray(tracingTaskNotes.taskId, [...taskIds]))
      .orderBy(asc(tracingTaskNotes.at), asc(tracingTaskNotes.id));
  }

  /**
   * Makes the task for a contact, or returns the one already made for it (the national tracing
   * worker retries). A new task goes to the tracer with the fewest open tasks among the teams
   * covering the ward; two concurrent calls may pick the same tracer, which only makes the
   * balance a little uneven.
   */
  async accept(input: AcceptTracingTaskInput, now = new Date()): Promise<AcceptOutcome> {
    return this.db.transaction(async (tx) => {
      const existing = await this.byContact(tx, input.contactId);
      if (existing) return this.sameContact(existing, input);

      const dueAt = input.dueAt ?? new Date(now.getTime() + DEFAULT_DUE_MS);
      if (dueAt.getTime() < now.getTime() - CLOCK_SKEW_MS) {
        return { kind: 'invalid', field: 'dueAt', message: `dueAt ${dueAt.toISOString()} is in the past; omit it for the default of 24 hours from now.` };
      }

      const assignedTracerId = await this.leastBusyTracer(tx, input.wardCode);
      const [row] = await tx
        .insert(tracingTasks)
        .values({
          contactId: input.contactId,
          caseId: input.caseId,
          personId: input.personId,
          degree: input.degree,
          wardCode: input.wardCode,
          assignedTracerId,
          dueAt,
        })
        .onConflictDoNothing({ target: tracingTasks.contactId })
        .returning();
      if (row) return { kind: 'accepted', task: this.dto(row), created: true };

      // A concurrent call for the same contact committed first: answer as a repeat would.
      const winner = await this.byContact(tx, input.contactId);
      if (!winner) throw new Error(`tracing task for contact ${input.contactId} conflicted but cannot be read`);
      return this.sameContact(winner, input);
    });
  }

  async assign(taskId: string, tracerId: string): Promise<AssignOutcome> {
    return this.db.transaction(async (tx) => {
      const [task] = await tx.select({ id: tracingTasks.id }).from(tracingTasks).where(eq(tracingTasks.id, taskId)).for('update');
      if (!task) return { kind: 'taskNotFound' };
      const [tracer] = await tx.select({ id: tracers.id }).from(tracers).where(eq(tracers.id, tracerId));
      if (!tracer) return { kind: 'tracerNotFound' };
      const [row] = await tx
        .update(tracingTasks)
        .set({ assignedTracerId: tracerId, updatedAt: sql`now()` })
        .where(eq(tracingTasks.id, taskId))
        .returning();
      if (!row) throw new Error(`tracing task ${taskId} vanished while locked`);
      return { kind: 'assigned', task: this.dto(row) };
    });
  }

  /**
   * Moves the task to `status` (if given and different) and adds `note` (if given), together or
   * not at all: a refused transition writes no note either.
   */
  async update(taskId: string, change: { status?: TracingTaskStatus | null; note?: string | null; author: string }): Promise<UpdateOutcome> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(tracingTasks).where(eq(tracingTasks.id, taskId)).for('update');
      if (!current) return { kind: 'notFound' };
      const to = change.status ?? current.status;
      if (to !== current.status && !canTransition(current.status, to)) {
        return { kind: 'invalidTransition', from: current.status, to };
      }
      // Asking for the status the task already has, with no note, is a retry: nothing to write.
      if (to === current.status && change.note == null) return { kind: 'updated', task: this.dto(current) };
      if (change.note != null) {
        await tx.insert(tracingTaskNotes).values({ taskId, author: change.author, text: change.note });
      }
      const [row] = await tx
        .update(tracingTasks)
        .set({ status: to, updatedAt: sql`now()` })
        .where(eq(tracingTasks.id, taskId))
        .returning();
      if (!row) throw new Error(`tracing task ${taskId} vanished while locked`);
      return { kind: 'updated', task: this.dto(row) };
    });
  }

  private async byContact(tx: ProvinceTx, contactId: string): Promise<TracingTaskRow | undefined> {
    const [row] = await tx.select().from(tracingTasks).where(eq(tracingTasks.contactId, contactId));
    return row;
  }

  /** A repeat for a contact must describe the same contact; anything else is a caller's bug, not a retry. */
  private sameContact(existing: TracingTaskRow, input: AcceptTracingTaskInput): AcceptOutcome {
    if (existing.personId !== input.personId) {
      return { kind: 'invalid', field: 'personId', message: `Contact ${input.contactId} already has a tracing task for another person.` };
    }
    if (existing.caseId !== input.caseId) {
      return { kind: 'invalid', field: 'caseId', message: `Contact ${input.contactId} already has a tracing task for another case.` };
    }
    return { kind: 'accepted', task: this.dto(existing), created: false };
  }

  /** The tracer with the fewest open tasks among the teams covering the ward; null when no team covers it. */
  private async leastBusyTracer(tx: ProvinceTx, wardCode: string): Promise<string | null> {
    const rows = await tx.execute<{ id: string }>(sql`
      select t.id
      from tracers t
      join tracer_team_wards w on w.team_id = t.team_id and w.ward_code = ${wardCode}
      left join tracing_tasks k on k.assigned_tracer_id = t.id and k.status <> 'CLOSED'
      group by t.id
      order by count(k.id), t.id
      limit 1`);
    return rows[0]?.id ?? null;
  }
}

