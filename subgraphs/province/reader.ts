import { hubError } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';
import { admitsTask, TASK_OUTSIDE_WARDS, tasksRefusal, tracersRefusal, type ProvinceAccess } from './access.ts';
import type { ProvinceAuditTrail } from './audit.ts';
import type { TracerRow, TracingTaskStatus } from './db/models.ts';
import type { ProvinceLoaders } from './loaders.ts';
import type { TracingTaskDto } from './repositories/index.ts';

export interface ProvinceReaderDeps {
  identity: Identity;
  provinceCode: string;
  /** What the caller may do here (access.ts `accessOf`): the task list passes its scope to SQL. */
  access: ProvinceAccess;
  loaders: ProvinceLoaders;
  /** The request's audit records (audit.ts). */
  audit: ProvinceAuditTrail;
}

/**
 * The only way resolvers reach tracing tasks and tracers, which name people: ONE task (by id, a
 * reference, the task a mutation is about to change) is loaded, judged by the policy (access.ts)
 * and refused with FORBIDDEN when the caller may not see it; the task list is filtered in SQL.
 * Every task and tracer returned, and every refusal of a known row, is recorded in the request's
 * audit trail (audit.ts). Ids are already well-formed here.
 */
export class ProvinceReader {
  constructor(private readonly deps: ProvinceReaderDeps) {}

  /** One task by id: null when there is none; FORBIDDEN when the caller may not read it. */
  async task(id: string): Promise<TracingTaskDto | null> {
    const task = await this.deps.loaders.task.load(id);
    if (task) return this.admitTask(task);
    // A caller who may see no task learns nothing, not even that there is none with this id.
    this.requireTasks();
    return null;
  }

  /** A task the caller is about to change: the same rule as reading it, checked before any write. */
  taskToChange(id: string): Promise<TracingTaskDto | null> {
    return this.task(id);
  }

  /** The province's tasks the caller may see (filtered in SQL), optionally of one status; each one returned is a read. */
  async tasks(status: TracingTaskStatus | null | undefined): Promise<TracingTaskDto[]> {
    this.requireTasks();
    const rows = await this.deps.loaders.tasks.load(status ?? 'ALL');
    for (const row of rows) this.deps.audit.record(row.personId, 'ALLOWED', ['tracingTask']);
    return rows;
  }

  /** A task in a mutation's answer (the caller may change it, so may read it). */
  written(task: TracingTaskDto): TracingTaskDto {
    this.deps.audit.record(task.personId, 'ALLOWED', ['tracingTask']);
    return task;
  }

  /** One tracer by id (`TracingTask.assignedTo`): null when there is none. */
  async tracer(id: string): Promise<TracerRow | null> {
    this.requireTracers();
    const row = await this.deps.loaders.tracer.load(id);
    if (row) this.deps.audit.record(row.id, 'ALLOWED', ['tracer']);
    return row;
  }

  /** The members of a team (`TracerTeam.tracers`). */
  async tracersOfTeam(teamId: string): Promise<TracerRow[]> {
    this.requireTracers();
    const rows = await this.deps.loaders.teamTracers.load(teamId);
    for (const row of rows) this.deps.audit.record(row.id, 'ALLOWED', ['tracer']);
    return rows;
  }

  private admitTask(task: TracingTaskDto): TracingTaskDto {
    const allowed = admitsTask(this.deps.access.tasks, task);
    this.deps.audit.record(task.personId, allowed ? 'ALLOWED' : 'DENIED', ['tracingTask']);
    if (!allowed) throw hubError('FORBIDDEN', tasksRefusal(this.deps.identity, this.deps.provinceCode) ?? TASK_OUTSIDE_WARDS);
    return task;
  }

  private requireTasks(): void {
    const why = tasksRefusal(this.deps.identity, this.deps.provinceCode);
    if (why) throw hubError('FORBIDDEN', why);
  }

  private requireTracers(): void {
    const why = tracersRefusal(this.deps.identity, this.deps.provinceCode);
    if (why) throw hubError('FORBIDDEN', why);
  }
}
