import { and, asc, eq, sql } from 'drizzle-orm';
import { tracerTeamWards, tracers, tracingTaskNotes, tracingTasks, withdrawnCases } from '../db/schema.ts';
import type { ProvinceDb, ProvinceTx, TracingTaskDegree, TracingTaskNoteRow, TracingTaskRow, TracingTaskStatus } from '../db/models.ts';
import { canTransition } from '../transitions.ts';
import { dueAtProblem } from '../validation.ts';
import { anyText, anyUuid, textArray, uuidArray } from '../../shared/sql.ts';
import { vietnamDay } from '../../shared/events.ts';
import { writeEvents } from '../../shared/outbox.ts';

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
    const rows = await this.db.select().from(tracingTasks).where(anyUuid(tracingTasks.id, ids));
    return rows.map((row) => this.dto(row));
  }

  /**
   * Earliest due first (the `(status, due_at)` index serves the filtered form). `wards`: only tasks
   * in these wards (a tracer's team's, access.ts).
   */
  async list(filter: { status?: TracingTaskStatus; wards?: readonly string[] } = {}): Promise<TracingTaskDto[]> {
    const rows = await this.db
      .select()
      .from(tracingTasks)
      .where(and(filter.status ? eq(tracingTasks.status, filter.status) : undefined, filter.wards ? anyText(tracingTasks.wardCode, filter.wards) : undefined))
      .orderBy(asc(tracingTasks.dueAt), asc(tracingTasks.id));
    return rows.map((row) => this.dto(row));
  }

  notesByTaskIds(taskIds: readonly string[]): Promise<TracingTaskNoteRow[]> {
    return this.db
      .select()
      .from(tracingTaskNotes)
      .where(anyUuid(tracingTaskNotes.taskId, taskIds))
      .orderBy(asc(tracingTaskNotes.at), asc(tracingTaskNotes.id));
  }

  /** One contact's task: `acceptMany` with a batch of one. */
  async accept(input: AcceptTracingTaskInput, now = new Date()): Promise<AcceptOutcome> {
    const [outcome] = await this.acceptMany([input], now);
    return outcome!;
  }

  /**
   * Makes the task for each contact, or returns the one already made for it (the national tracing
   * worker retries), in one transaction with a fixed number of statements whatever the batch size:
   * a busy case sends thousands of contacts at once. Outcomes come back in input order; a contact
   * repeated within the batch is answered as a retry of its first occurrence.
   *
   * A new task goes to the tracer with the fewest open tasks among the teams covering the ward,
   * counting the tasks handed out earlier in the same batch; two concurrent batches may pick the
   * same tracer, which only makes the balance a little uneven.
   */
  async acceptMany(inputs: readonly AcceptTracingTaskInput[], now = new Date()): Promise<AcceptOutcome[]> {
    if (inputs.length === 0) return [];
    return this.db.transaction(async (tx) => {
      // Not at the same time as a withdrawal of one of these cases (see `withdraw`).
      await lockCases(tx, inputs.map((i) => i.caseId));
      const known = await this.byContacts(tx, inputs.map((i) => i.contactId));
      const outcomes: Array<AcceptOutcome | undefined> = new Array(inputs.length);
      const fresh = new Map<string, { input: AcceptTracingTaskInput; dueAt: Date }>();
      const repeatsInBatch: number[] = [];
      inputs.forEach((input, index) => {
        const existing = known.get(input.contactId);
        if (existing) return void (outcomes[index] = this.sameContact(existing, input));
        if (fresh.has(input.contactId)) return void repeatsInBatch.push(index);
        const dueAt = input.dueAt ?? new Date(now.getTime() + DEFAULT_DUE_MS);
        // Checked only for a new task: a repeat is answered with the task made the first time.
        const problem = dueAtProblem(dueAt, now);
        if (problem) return void (outcomes[index] = { kind: 'invalid', field: 'dueAt', message: problem });
        fresh.set(input.contactId, { input, dueAt });
      });

      if (fresh.size > 0) {
        const pickTracer = await this.tracerPicker(tx, [...new Set([...fresh.values()].map((f) => f.input.wardCode))]);
        // One row of arrays (a constant-size statement), however many contacts the batch has.
        const rows = [...fresh.values()].map(({ input, dueAt }) => ({ ...input, dueAt, tracerId: pickTracer(input.wardCode) }));
        const inserted = await tx
          .insert(tracingTasks)
          .select(sql`
            select gen_random_uuid(), u.contact_id, u.case_id, u.person_id, u.degree, u.ward_code,
                   case when w.case_id is null then u.tracer_id end, case when w.case_id is null then 'NEW' else 'WITHDRAWN' end, u.due_at, now(), now()
            from unnest(${uuidArray(rows.map((r) => r.contactId))}, ${uuidArray(rows.map((r) => r.caseId))}, ${uuidArray(rows.map((r) => r.personId))},
                        ${textArray(rows.map((r) => r.degree))}, ${textArray(rows.map((r) => r.wardCode))}, ${sql.param(rows.map((r) => r.tracerId))}::uuid[],
                        ${textArray(rows.map((r) => r.dueAt.toISOString()))}::timestamptz[])
                 with ordinality as u(contact_id, case_id, person_id, degree, ward_code, tracer_id, due_at, n)
            -- A task of a withdrawn case (a late retry of its run) is made withdrawn, for nobody.
            left join ${withdrawnCases} w on w.case_id = u.case_id
            order by u.n`)
          .onConflictDoNothing({ target: tracingTasks.contactId })
          .returning();
        const created = new Map(inserted.map((row) => [row.contactId, row]));
        await writeEvents(tx, inserted.map((row) => ({
          type: 'task.status_changed' as const, occurredAt: row.createdAt, province: this.provinceCode, ward: row.wardCode,
          payload: { taskId: row.id, caseId: row.caseId, from: null, to: row.status, dueDay: vietnamDay(row.dueAt), firstCallAt: null },
        })));
        // Contacts a concurrent call committed first: answer as a repeat would.
        const lost = [...fresh.keys()].filter((id) => !created.has(id));
        const winners = lost.length ? await this.byContacts(tx, lost) : new Map<string, TracingTaskRow>();
        inputs.forEach((input, index) => {
          if (outcomes[index] || !fresh.has(input.contactId) || fresh.get(input.contactId)!.input !== input) return;
          const row = created.get(input.contactId);
          if (row) return void (outcomes[index] = { kind: 'accepted', task: this.dto(row), created: true });
          const winner = winners.get(input.contactId);
          if (!winner) throw new Error(`tracing task for contact ${input.contactId} conflicted but cannot be read`);
          outcomes[index] = this.sameContact(winner, input);
        });
      }
      for (const index of repeatsInBatch) {
        const first = outcomes[inputs.findIndex((i) => i.contactId === inputs[index]!.contactId)]!;
        outcomes[index] = first.kind === 'accepted' ? this.sameContact(first.task, inputs[index]!) : first;
      }
      return outcomes.map((outcome) => outcome!);
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
      if (to !== current.status) {
        // Leaving NEW for anything but CLOSED (unreachable) means the tracer reached the contact.
        const firstCall = current.status === 'NEW' && to !== 'CLOSED';
        await writeEvents(tx, [{
          type: 'task.status_changed', occurredAt: row.updatedAt, province: this.provinceCode, ward: row.wardCode,
          payload: { taskId, caseId: row.caseId, from: current.status, to, dueDay: vietnamDay(row.dueAt), firstCallAt: firstCall ? row.updatedAt.toISOString() : null },
        }]);
      }
      return { kind: 'updated', task: this.dto(row) };
    });
  }

  private async byContacts(tx: ProvinceTx, contactIds: readonly string[]): Promise<Map<string, TracingTaskRow>> {
    const rows = await tx.select().from(tracingTasks).where(anyUuid(tracingTasks.contactId, [...new Set(contactIds)]));
    return new Map(rows.map((row) => [row.contactId, row]));
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

  /**
   * Withdraws a rejected case's tasks: every task of the case not CLOSED becomes WITHDRAWN, with
   * the reason as a note by `author`, and the case is remembered so that a task for it arriving
   * later is made WITHDRAWN too. Idempotent: a repeat withdraws nothing more. Returns how many
   * tasks this call withdrew.
   */
  async withdraw(caseId: string, reason: string, author: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      await lockCases(tx, [caseId]);
      await tx.insert(withdrawnCases).values({ caseId, reason }).onConflictDoNothing();
      // Each task's status before the change, for its event (RETURNING gives only the new row).
      const withdrawn = await tx.execute<{ id: string; from: TracingTaskStatus; ward_code: string; due_at: string; updated_at: string }>(sql`
        update ${tracingTasks} t set status = 'WITHDRAWN', updated_at = now()
        from (select id, status from ${tracingTasks} where case_id = ${caseId} and status not in ('CLOSED', 'WITHDRAWN') for update) old
        where t.id = old.id
        returning t.id, old.status as "from", t.ward_code, t.due_at, t.updated_at`);
      if (withdrawn.length > 0) {
        await tx.insert(tracingTaskNotes).values(withdrawn.map((t) => ({ taskId: t.id, author, text: `Withdrawn: the case was rejected (${reason}).` })));
        await writeEvents(tx, withdrawn.map((t) => ({
          type: 'task.status_changed' as const, occurredAt: new Date(t.updated_at), province: this.provinceCode, ward: t.ward_code,
          payload: { taskId: t.id, caseId, from: t.from, to: 'WITHDRAWN' as const, dueDay: vietnamDay(new Date(t.due_at)), firstCallAt: null },
        })));
      }
      return withdrawn.length;
    });
  }

  /**
   * Chooses, per ward, the tracer with the fewest open tasks among the teams covering it (ties: the
   * lowest id); each pick counts as one more open task. Null when no team covers the ward.
   */
  private async tracerPicker(tx: ProvinceTx, wardCodes: string[]): Promise<(wardCode: string) => string | null> {
    const rows = await tx
      .select({
        wardCode: tracerTeamWards.wardCode,
        tracerId: tracers.id,
        open: sql<number>`(select count(*)::int from ${tracingTasks} k where k.assigned_tracer_id = ${tracers.id} and k.status not in ('CLOSED', 'WITHDRAWN'))`,
      })
      .from(tracers)
      .innerJoin(tracerTeamWards, and(eq(tracerTeamWards.teamId, tracers.teamId), anyText(tracerTeamWards.wardCode, wardCodes)));
    const openTasks = new Map(rows.map((r) => [r.tracerId, Number(r.open)]));
    const candidates = new Map<string, string[]>();
    for (const r of rows) candidates.set(r.wardCode, [...(candidates.get(r.wardCode) ?? []), r.tracerId]);
    return (wardCode) => {
      let best: string | null = null;
      for (const id of candidates.get(wardCode) ?? []) {
        const load = openTasks.get(id)!;
        const bestLoad = best === null ? Infinity : openTasks.get(best)!;
        if (load < bestLoad || (load === bestLoad && id < best!)) best = id;
      }
      if (best !== null) openTasks.set(best, openTasks.get(best)! + 1);
      return best;
    };
  }
}

/**
 * Serialises the accepting and the withdrawal of a case's tasks (transaction-scoped advisory locks,
 * taken in id order so two batches cannot deadlock): a task accepted while its case is withdrawn
 * is either seen by the withdrawal or sees the withdrawn case.
 */
async function lockCases(tx: ProvinceTx, caseIds: readonly string[]): Promise<void> {
  const ids = [...new Set(caseIds)].sort();
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('tracing-task-case:' || id)) from unnest(${textArray(ids)}) as id`);
}
