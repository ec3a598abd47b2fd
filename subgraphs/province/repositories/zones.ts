import { and, asc, desc, gt, inArray, isNull, lte, or } from 'drizzle-orm';
import { zones, zoneWards } from '../db/schema.ts';
import type { ProvinceDb, ZoneRow, ZoneWardRow } from '../db/models.ts';

/** Zones (vùng phong tỏa / khoanh vùng) and the wards they cover. */
export class ZonesRepository {
  constructor(private readonly db: ProvinceDb) {}

  /** Latest start first; with `activeAt`, only zones started by then and not ended by then. */
  list(filter: { activeAt?: Date } = {}): Promise<ZoneRow[]> {
    const { activeAt } = filter;
    return this.db
      .select()
      .from(zones)
      .where(activeAt ? and(lte(zones.startsAt, activeAt), or(isNull(zones.endsAt), gt(zones.endsAt, activeAt))) : undefined)
      .orderBy(desc(zones.startsAt), asc(zones.id));
  }

  wardsByZoneIds(zoneIds: readonly string[]): Promise<ZoneWardRow[]> {
    return this.db
      .select()
      .from(zoneWards)
      .where(inArray(zoneWards.zoneId, [...zoneIds]))
      .orderBy(asc(zoneWards.wardCode));
  }
}
