import { asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { quarantineFacilities } from '../db/schema.ts';
import type { ProvinceDb, QuarantineFacilityRow } from '../db/models.ts';
import { occupancyProblem } from '../validation.ts';
import { writeEvents } from '../../shared/outbox.ts';
import { builtOnce } from '../../shared/sql.ts';

export interface QuarantineFacilityDto extends QuarantineFacilityRow {
  provinceCode: string;
  freeBeds: number;
}

export type SetOccupancyOutcome =
  | { kind: 'set'; facility: QuarantineFacilityDto }
  | { kind: 'notFound' }
  | { kind: 'invalid'; capacity: number; message: string };

/** Quarantine facilities (cơ sở cách ly) of this province. */
export class FacilitiesRepository {
  constructor(
    private readonly db: ProvinceDb,
    private readonly provinceCode: string,
  ) {}

  private dto(row: QuarantineFacilityRow): QuarantineFacilityDto {
    return { ...row, provinceCode: this.provinceCode, freeBeds: row.capacity - row.occupied };
  }

  async byIds(ids: readonly string[]): Promise<QuarantineFacilityDto[]> {
    const rows = await this.db.select().from(quarantineFacilities).where(inArray(quarantineFacilities.id, [...ids]));
    return rows.map((row) => this.dto(row));
  }

  async list(filter: { withFreeBeds?: boolean } = {}): Promise<QuarantineFacilityDto[]> {
    const rows = await (filter.withFreeBeds ? this.withFreeBedsQuery() : this.allQuery()).execute();
    return rows.map((row) => this.dto(row));
  }

  // Built once (shared/sql.ts builtOnce): the province's facilities are read with every
  // province of an answer, and drizzle otherwise made the statement's text each time.
  private readonly allQuery = builtOnce(() => this.listQuery(false));
  private readonly withFreeBedsQuery = builtOnce(() => this.listQuery(true));
  private listQuery(withFreeBeds: boolean) {
    return this.db
      .select()
      .from(quarantineFacilities)
      .where(withFreeBeds ? lt(quarantineFacilities.occupied, quarantineFacilities.capacity) : undefined)
      .orderBy(asc(quarantineFacilities.name), asc(quarantineFacilities.id))
      .prepare(withFreeBeds ? 'facilities_with_free_beds' : 'facilities');
  }

  /** Records the beds in use; a negative count or one above capacity writes nothing. */
  async setOccupancy(id: string, occupied: number): Promise<SetOccupancyOutcome> {
    return this.db.transaction(async (tx) => {
      // Locked so that the capacity checked here is the capacity in force when the row is written.
      const [current] = await tx.select().from(quarantineFacilities).where(eq(quarantineFacilities.id, id)).for('update');
      if (!current) return { kind: 'notFound' };
      const problem = occupancyProblem(occupied, current.capacity);
      if (problem) return { kind: 'invalid', capacity: current.capacity, message: problem };
      const [row] = await tx
        .update(quarantineFacilities)
        .set({ occupied, updatedAt: sql`now()` })
        .where(eq(quarantineFacilities.id, id))
        .returning();
      if (!row) throw new Error(`facility ${id} vanished while locked`);
      await writeEvents(tx, [{
        type: 'facility.occupancy_changed', occurredAt: row.updatedAt, province: this.provinceCode, ward: row.wardCode,
        payload: { facilityId: row.id, capacity: row.capacity, occupied: row.occupied, freeBeds: row.capacity - row.occupied },
      }]);
      return { kind: 'set', facility: this.dto(row) };
    });
  }
}
