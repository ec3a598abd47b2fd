import { FacilitiesRepository } from './facilities.ts';
import { ProfileRepository } from './profile.ts';
import { TestingSitesRepository } from './testing-sites.ts';
import { TracerTeamsRepository } from './tracer-teams.ts';
import { TracingTasksRepository } from './tracing-tasks.ts';
import { ZonesRepository } from './zones.ts';
import type { ProvinceDb } from '../db/models.ts';

export type { QuarantineFacilityDto, SetOccupancyOutcome } from './facilities.ts';
export type { AcceptOutcome, AcceptTracingTaskInput, AssignOutcome, TracingTaskDto, UpdateOutcome } from './tracing-tasks.ts';

/** One repository per aggregate, all over one province deployment's database. */
export function createRepositories(db: ProvinceDb, provinceCode: string) {
  return {
    profile: new ProfileRepository(db),
    facilities: new FacilitiesRepository(db, provinceCode),
    testingSites: new TestingSitesRepository(db),
    tracerTeams: new TracerTeamsRepository(db),
    tracingTasks: new TracingTasksRepository(db, provinceCode),
    zones: new ZonesRepository(db),
  };
}

export type ProvinceRepositories = ReturnType<typeof createRepositories>;
