import type { Identity } from '../shared/identity.ts';

/**
 * What a caller may do in ONE province deployment: the one place the province subgraph decides
 * it. Pure (no I/O). The gateway checks scopes (`tasks:read`, `tasks:write`, `facilities:write`);
 * this decides jurisdiction, the same way the national subgraphs do, for every root field,
 * mutation and `_entities` reference that reaches a task, a tracer or a write.
 *
 * | caller                                  | tracing tasks (read, change)                  | tracers (names, work phones) | hand over tasks | facilities' occupancy |
 * |-----------------------------------------|-----------------------------------------------|------------------------------|-----------------|-----------------------|
 * | national_official, service              | all                                           | yes                          | yes             | yes                   |
 * | province_official of this province      | all                                           | yes                          | yes             | yes                   |
 * | tracer of this province                 | those in the token's `wards`; all when none   | yes                          | no              | no                    |
 * | anyone else (other provinces, citizens, | none                                          | no                           | no              | no                    |
 * | partners)                               |                                               |                              |                 |                       |
 *
 * What the province publishes stays public to any signed-in caller: the hotline, quarantine
 * facilities and their free beds, testing sites, zones, and tracer teams with their wards (not
 * their members). A task is in a ward when its contact lives there (`tracing_tasks.ward_code`):
 * the ward decides which team gets it, so it is the tracer's team's work.
 */

export type TaskScope =
  | { kind: 'ALL' }
  /** Tasks in these wards (five-digit codes; never empty). */
  | { kind: 'WARDS'; wards: readonly string[] }
  | { kind: 'NONE' };

export interface ProvinceAccess {
  /** Which tasks the caller may read and change (status, notes, assignment). */
  tasks: TaskScope;
  /** Tracers' names and work phones. */
  tracers: boolean;
  /** `acceptTracingTask(s)`: the national tracing service (or an official) hands contacts over. */
  acceptTasks: boolean;
  /** `setFacilityOccupancy`. */
  facilities: boolean;
}

const EVERYTHING: ProvinceAccess = { tasks: { kind: 'ALL' }, tracers: true, acceptTasks: true, facilities: true };
const PUBLIC_ONLY: ProvinceAccess = { tasks: { kind: 'NONE' }, tracers: false, acceptTasks: false, facilities: false };

function actsFor(identity: Identity, provinceCode: string): boolean {
  return identity.jurisdiction === 'all' || identity.jurisdiction.includes(provinceCode);
}

export function accessOf(identity: Identity, provinceCode: string): ProvinceAccess {
  switch (identity.role) {
    case 'national_official':
    case 'service':
      return EVERYTHING;
    case 'province_official':
      return actsFor(identity, provinceCode) ? EVERYTHING : PUBLIC_ONLY;
    case 'tracer': {
      if (!actsFor(identity, provinceCode)) return PUBLIC_ONLY;
      const tasks: TaskScope = identity.wards?.length ? { kind: 'WARDS', wards: [...identity.wards] } : { kind: 'ALL' };
      return { tasks, tracers: true, acceptTasks: false, facilities: false };
    }
    case 'citizen':
    case 'partner':
      return PUBLIC_ONLY;
  }
}

/** The meaning of a task scope for one task: what the repository's SQL predicate selects. */
export function admitsTask(scope: TaskScope, task: { wardCode: string }): boolean {
  switch (scope.kind) {
    case 'ALL':
      return true;
    case 'WARDS':
      return scope.wards.includes(task.wardCode);
    case 'NONE':
      return false;
  }
}

/**
 * Why the caller may not read or change tasks here (for a FORBIDDEN error), or null when they may
 * see some. Written for the caller; names no personal data.
 */
export function tasksRefusal(identity: Identity, provinceCode: string): string | null {
  if (accessOf(identity, provinceCode).tasks.kind !== 'NONE') return null;
  switch (identity.role) {
    case 'citizen':
    case 'partner':
      return 'Tracing tasks are shown only to officials and tracers.';
    default:
      return `You may not read or change the tracing tasks of province ${provinceCode}: it is outside your jurisdiction.`;
  }
}

/** A task outside a tracer's wards (for a FORBIDDEN error). */
export const TASK_OUTSIDE_WARDS = "This tracing task is outside your team's wards.";

export function tracersRefusal(identity: Identity, provinceCode: string): string | null {
  if (accessOf(identity, provinceCode).tracers) return null;
  return identity.role === 'citizen' || identity.role === 'partner'
    ? "Tracers' names and phones are shown only to officials and tracers."
    : `You may not read the tracers of province ${provinceCode}: it is outside your jurisdiction.`;
}

export function acceptRefusal(identity: Identity, provinceCode: string): string | null {
  if (accessOf(identity, provinceCode).acceptTasks) return null;
  return identity.role === 'tracer' && actsFor(identity, provinceCode)
    ? 'Tracers work on tasks; new tasks come from the national tracing service or an official.'
    : `You may not hand tracing tasks to province ${provinceCode}.`;
}

export function facilitiesRefusal(identity: Identity, provinceCode: string): string | null {
  if (accessOf(identity, provinceCode).facilities) return null;
  return `You may not change the quarantine facilities of province ${provinceCode}.`;
}

/** The scope an official needs to read a person's audit trail (here: of reads of their tracing tasks). */
export const AUDIT_READ_SCOPE = 'audit:read';

/** `tracingTaskAuditTrail`: national officials, and officials of this province, holding `audit:read`. */
export function mayReadTaskAuditTrail(identity: Identity, provinceCode: string): boolean {
  if (!identity.scopes.includes(AUDIT_READ_SCOPE)) return false;
  if (identity.role === 'national_official') return true;
  return identity.role === 'province_official' && actsFor(identity, provinceCode);
}
