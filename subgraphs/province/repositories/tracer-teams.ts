import { asc, inArray } from 'drizzle-orm';
import { tracerTeams, tracerTeamWards, tracers } from '../db/schema.ts';
import type { ProvinceDb, TracerRow, TracerTeamRow, TracerTeamWardRow } from '../db/models.ts';

/** Tracing teams (tổ truy vết), their members and the wards they cover. */
export class TracerTeamsRepository {
  constructor(private readonly db: ProvinceDb) {}

  list(): Promise<TracerTeamRow[]> {
    return this.db.select().from(tracerTeams).orderBy(asc(tracerTeams.name), asc(tracerTeams.id));
  }

  teamsByIds(ids: readonly string[]): Promise<TracerTeamRow[]> {
    return this.db.select().from(tracerTeams).where(inArray(tracerTeams.id, [...ids]));
  }

  tracersByIds(ids: readonly string[]): Promise<TracerRow[]> {
    return this.db.select().from(tracers).where(inArray(tracers.id, [...ids]));
  }

  tracersByTeamIds(teamIds: readonly string[]): Promise<TracerRow[]> {
    return this.db
      .select()
      .from(tracers)
      .where(inArray(tracers.teamId, [...teamIds]))
      .orderBy(asc(tracers.fullName), asc(tracers.id));
  }

  wardsByTeamIds(teamIds: readonly string[]): Promise<TracerTeamWardRow[]> {
    return this.db
      .select()
      .from(tracerTeamWards)
      .where(inArray(tracerTeamWards.teamId, [...teamIds]))
      .orderBy(asc(tracerTeamWards.wardCode));
  }
}
