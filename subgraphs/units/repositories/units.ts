import { asc, eq, inArray, sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { LegacyUnitRow, ProvinceRow, UnitsDb, WardRow } from '../db/models.ts';
import { DEMO_WARDS, PROVINCES } from '../directory.ts';
import { lookupByKeys, textArray } from '../../shared/sql.ts';

export interface LegacyWardDto extends LegacyUnitRow {
  districtName: string | null;
  provinceName: string | null;
}

/**
 * The administrative directory, one aggregate: the current structure (provinces, wards) and the
 * pre-2025 one with its old→new ward mapping. Every method that takes a list is one SQL statement.
 */
export class UnitsRepository {
  constructor(private readonly db: UnitsDb) {}

  private readonly provincesByCodesQuery = lookupByKeys('text', (matches, name) =>
    this.db.select().from(schema.provinces).where(matches(schema.provinces.code)).prepare(name('provinces_by_codes')),
  );
  private readonly wardsByCodesQuery = lookupByKeys('text', (matches, name) =>
    this.db.select().from(schema.wards).where(matches(schema.wards.code)).prepare(name('wards_by_codes')),
  );

  private readonly wardsWithProvinceQuery = lookupByKeys('text', (matches, name) =>
    this.db
      .select({ ward: schema.wards, province: schema.provinces })
      .from(schema.wards)
      .leftJoin(schema.provinces, eq(schema.provinces.code, schema.wards.provinceCode))
      .where(matches(schema.wards.code))
      .prepare(name('wards_with_province_by_codes')),
  );

  allProvinces(): Promise<ProvinceRow[]> {
    return this.db.select().from(schema.provinces).orderBy(asc(schema.provinces.code));
  }

  provincesByCodes(codes: readonly string[]): Promise<ProvinceRow[]> {
    return this.provincesByCodesQuery(codes);
  }

  wardsByCodes(codes: readonly string[]): Promise<WardRow[]> {
    return this.wardsByCodesQuery(codes);
  }

  /**
   * Wards by code, each with its province (null only if the directory lacks it): a ward's
   * `province` is asked with it in most reads (a residence's province), and one statement is one
   * round trip to the server instead of two in a row (issue 17).
   */
  wardsWithProvinceByCodes(codes: readonly string[]): Promise<Array<{ ward: WardRow; province: ProvinceRow | null }>> {
    return this.wardsWithProvinceQuery(codes);
  }

  wardsByProvinceCodes(codes: readonly string[]): Promise<WardRow[]> {
    return this.db
      .select()
      .from(schema.wards)
      .where(inArray(schema.wards.provinceCode, [...codes]))
      .orderBy(asc(schema.wards.code));
  }

  async legacyWard(code: string): Promise<LegacyWardDto | null> {
    return (await this.legacyWards([code]))[0] ?? null;
  }

  /** Pre-2025 wards by code (unknown codes left out). */
  async legacyWards(codes: readonly string[]): Promise<LegacyWardDto[]> {
    const rows = await this.db.execute<{
      code: string; name: string; kind: string; level: 'ward'; parent_code: string | null;
      district_name: string | null; province_name: string | null;
    }>(sql`
      select w.code, w.name, w.kind, w.level, w.parent_code, d.name as district_name, p.name as province_name
      from legacy_units w
      left join legacy_units d on d.code = w.parent_code and d.level = 'district'
      left join legacy_units p on p.code = d.parent_code and p.level = 'province'
      where w.code = any(${textArray(codes)}) and w.level = 'ward'
      order by w.code`);
    return rows.map((row) => ({
      code: row.code, name: row.name, kind: row.kind, level: row.level, parentCode: row.parent_code,
      districtName: row.district_name, provinceName: row.province_name,
    }));
  }

  /**
   * The population of an area (`VN`, a province code or a ward code) in an age group (`ALL`: every
   * group): the sum of the figures loaded; null when none is loaded for the area.
   */
  async population(area: string, ageGroup: string): Promise<number | null> {
    const where = area === 'VN' ? sql`true` : area.length === 2 ? sql`w.province_code = ${area}` : sql`p.ward_code = ${area}`;
    const [row] = await this.db.execute<{ population: string | null }>(sql`
      select sum(p.population) as population
      from ward_population p ${area.length === 2 ? sql`join wards w on w.code = p.ward_code` : sql``}
      where ${where} ${ageGroup === 'ALL' ? sql`` : sql`and p.age_group = ${ageGroup}`}`);
    return row?.population == null ? null : Number(row.population);
  }

  /** Writes population figures (demo data, the import's replacements). */
  async setPopulation(rows: ReadonlyArray<{ wardCode: string; ageGroup: string; population: number; referenceYear: number }>): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insert(schema.wardPopulation)
      .values([...rows])
      .onConflictDoUpdate({ target: [schema.wardPopulation.wardCode, schema.wardPopulation.ageGroup], set: { population: sql`excluded.population`, referenceYear: sql`excluded.reference_year` } });
  }

  async successorCodesByOldCodes(oldCodes: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await this.db
      .select()
      .from(schema.legacyWardSuccessors)
      .where(inArray(schema.legacyWardSuccessors.oldWardCode, [...oldCodes]))
      .orderBy(asc(schema.legacyWardSuccessors.newWardCode));
    const byOld = new Map<string, string[]>();
    for (const row of rows) byOld.set(row.oldWardCode, [...(byOld.get(row.oldWardCode) ?? []), row.newWardCode]);
    return byOld;
  }

  /** The 34 provinces and the demo wards; idempotent, so it runs at every start. */
  async seedDirectory(): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .insert(schema.provinces)
        .values([...PROVINCES])
        .onConflictDoUpdate({ target: schema.provinces.code, set: { name: sql`excluded.name`, kind: sql`excluded.kind` } });
      await tx.insert(schema.wards).values([...DEMO_WARDS]).onConflictDoNothing();
    });
  }

  async counts(): Promise<{ provinces: number; wards: number; legacyUnits: number; successors: number }> {
    const [row] = await this.db.execute<{ provinces: number; wards: number; legacy_units: number; successors: number }>(sql`
      select (select count(*)::int from provinces) as provinces, (select count(*)::int from wards) as wards,
             (select count(*)::int from legacy_units) as legacy_units, (select count(*)::int from legacy_ward_successors) as successors`);
    return { provinces: row?.provinces ?? 0, wards: row?.wards ?? 0, legacyUnits: row?.legacy_units ?? 0, successors: row?.successors ?? 0 };
  }
}

