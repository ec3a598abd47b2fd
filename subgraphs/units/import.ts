import { inArray, sql } from 'drizzle-orm';
import { AGE_GROUP_CODES } from '../shared/age-groups.ts';
import type { UnitsDb } from './db/models.ts';
import * as schema from './db/schema.ts';

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, \n or \r\n). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

export interface UnitRow {
  line: number;
  code: string;
  name: string;
  kind: string;
  level: 'province' | 'district' | 'ward';
  parentCode: string | null;
}

export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length} problem(s); nothing was written:\n${problems.slice(0, 20).map((p) => `  ${p}`).join('\n')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);
  }
}

const UNIT_HEADER = 'code,name,type,level,parent_code';
const CODE_LENGTH = { province: 2, district: 3, ward: 5 } as const;

/**
 * Validates a units CSV (`code,name,type,level,parent_code`). `structure` says which vintage:
 * the current one has provinces and wards; the pre-2025 one has provinces, districts and wards.
 * Every problem is collected so a bad file is fixed in one pass.
 */
export function parseUnits(text: string, structure: 'current' | 'legacy'): UnitRow[] {
  const [header, ...body] = parseCsv(text);
  if (header?.join(',') !== UNIT_HEADER) throw new ImportError([`line 1: expected header "${UNIT_HEADER}", got "${header?.join(',') ?? ''}"`]);
  const levels = structure === 'current' ? ['province', 'ward'] : ['province', 'district', 'ward'];
  const problems: string[] = [];
  const rows: UnitRow[] = [];
  const seen = new Map<string, number>();
  body.forEach((cells, index) => {
    const line = index + 2;
    if (cells.length !== 5) return problems.push(`line ${line}: expected 5 fields, got ${cells.length}`);
    const [code, name, kind, level, parent] = cells.map((c) => c.trim()) as [string, string, string, string, string];
    if (!levels.includes(level)) return problems.push(`line ${line}: level "${level}" is not one of ${levels.join(', ')}`);
    const lvl = level as UnitRow['level'];
    if (!new RegExp(`^\\d{${CODE_LENGTH[lvl]}}$`).test(code)) problems.push(`line ${line}: ${lvl} code "${code}" must be ${CODE_LENGTH[lvl]} digits`);
    if (!name.startsWith(`${kind} `)) problems.push(`line ${line}: name "${name}" does not start with its type "${kind}"`);
    if (seen.has(code)) problems.push(`line ${line}: code ${code} repeats line ${seen.get(code)}`);
    seen.set(code, line);
    if (lvl === 'province' && parent) problems.push(`line ${line}: a province has no parent_code`);
    if (lvl !== 'province' && !parent) problems.push(`line ${line}: ${lvl} ${code} has no parent_code`);
    rows.push({ line, code, name, kind, level: lvl, parentCode: parent || null });
    return undefined;
  });
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const parentLevel = { province: null, district: 'province', ward: structure === 'current' ? 'province' : 'district' } as const;
  for (const row of rows) {
    const expected = parentLevel[row.level];
    if (!expected || !row.parentCode) continue;
    const parent = byCode.get(row.parentCode);
    if (!parent || parent.level !== expected) problems.push(`line ${row.line}: parent ${row.parentCode} of ${row.code} is not a ${expected} in this file`);
  }
  if (problems.length) throw new ImportError(problems);
  return rows;
}

export function parseWardMapping(text: string): Array<{ line: number; oldWardCode: string; newWardCode: string }> {
  const [header, ...body] = parseCsv(text);
  if (header?.join(',') !== 'old_ward_code,new_ward_code') throw new ImportError([`line 1: expected header "old_ward_code,new_ward_code"`]);
  const problems: string[] = [];
  const pairs = body.map((cells, index) => {
    const line = index + 2;
    const [oldWardCode = '', newWardCode = ''] = cells.map((c) => c.trim());
    if (cells.length !== 2 || !/^\d{5}$/.test(oldWardCode) || !/^\d{5}$/.test(newWardCode)) problems.push(`line ${line}: expected two 5-digit ward codes`);
    return { line, oldWardCode, newWardCode };
  });
  if (problems.length) throw new ImportError(problems);
  return pairs;
}

async function insertInChunks<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/** Loads the current structure: provinces and wards, upserted in one transaction. */
export async function importCurrentUnits(db: UnitsDb, rows: UnitRow[]): Promise<{ provinces: number; wards: number }> {
  const provinces = rows.filter((r) => r.level === 'province').map(({ code, name, kind }) => ({ code, name, kind }));
  const wards = rows.filter((r) => r.level === 'ward').map(({ code, name, kind, parentCode }) => ({ code, name, kind, provinceCode: parentCode! }));
  await db.transaction(async (tx) => {
    await insertInChunks(provinces, 1000, (chunk) =>
      tx.insert(schema.provinces).values(chunk).onConflictDoUpdate({ target: schema.provinces.code, set: { name: sql`excluded.name`, kind: sql`excluded.kind` } }),
    );
    await insertInChunks(wards, 1000, (chunk) =>
      tx.insert(schema.wards).values(chunk).onConflictDoUpdate({
        target: schema.wards.code,
        set: { name: sql`excluded.name`, kind: sql`excluded.kind`, provinceCode: sql`excluded.province_code` },
      }),
    );
  });
  return { provinces: provinces.length, wards: wards.length };
}

/**
 * Loads the pre-2025 structure and the old→new ward mapping. Every old code must be a ward of the
 * legacy file and every new code a current ward already in the database; otherwise nothing is written.
 */
export async function importLegacyUnits(
  db: UnitsDb,
  units: UnitRow[],
  mapping: Array<{ line: number; oldWardCode: string; newWardCode: string }>,
): Promise<{ legacyUnits: number; successors: number }> {
  const legacyWards = new Set(units.filter((u) => u.level === 'ward').map((u) => u.code));
  const newCodes = [...new Set(mapping.map((m) => m.newWardCode))];
  const known = new Set((await db.select({ code: schema.wards.code }).from(schema.wards).where(inArray(schema.wards.code, newCodes))).map((w) => w.code));
  const problems: string[] = [];
  for (const m of mapping) {
    if (!legacyWards.has(m.oldWardCode)) problems.push(`mapping line ${m.line}: ${m.oldWardCode} is not a ward of the pre-2025 list`);
    if (!known.has(m.newWardCode)) problems.push(`mapping line ${m.line}: ${m.newWardCode} is not a current ward (import the current list first)`);
  }
  if (problems.length) throw new ImportError(problems);
  await db.transaction(async (tx) => {
    await insertInChunks(units, 1000, (chunk) =>
      tx
        .insert(schema.legacyUnits)
        .values(chunk.map(({ code, name, kind, level, parentCode }) => ({ code, name, kind, level, parentCode })))
        .onConflictDoUpdate({
          target: schema.legacyUnits.code,
          set: { name: sql`excluded.name`, kind: sql`excluded.kind`, level: sql`excluded.level`, parentCode: sql`excluded.parent_code` },
        }),
    );
    await insertInChunks(mapping, 2000, (chunk) =>
      tx.insert(schema.legacyWardSuccessors).values(chunk.map(({ oldWardCode, newWardCode }) => ({ oldWardCode, newWardCode }))).onConflictDoNothing(),
    );
  });
  return { legacyUnits: units.length, successors: mapping.length };
}

export interface PopulationRow {
  line: number;
  wardCode: string;
  ageGroup: string;
  population: number;
  referenceYear: number;
}

const POPULATION_HEADER = 'ward_code,age_group,population,reference_year';

/**
 * Validates a population CSV (`ward_code,age_group,population,reference_year`): one row per current
 * ward and age group (the codes of subgraphs/shared/age-groups.ts), a whole number of people, the
 * year the figures describe. Every problem is collected so a bad file is fixed in one pass.
 */
export function parsePopulation(text: string): PopulationRow[] {
  const [header, ...body] = parseCsv(text);
  if (header?.join(',') !== POPULATION_HEADER) throw new ImportError([`line 1: expected header "${POPULATION_HEADER}", got "${header?.join(',') ?? ''}"`]);
  const problems: string[] = [];
  const rows: PopulationRow[] = [];
  const seen = new Map<string, number>();
  body.forEach((cells, index) => {
    const line = index + 2;
    if (cells.length !== 4) return problems.push(`line ${line}: expected 4 fields, got ${cells.length}`);
    const [wardCode, ageGroup, population, year] = cells.map((c) => c.trim()) as [string, string, string, string];
    if (!/^\d{5}$/.test(wardCode)) problems.push(`line ${line}: ward code "${wardCode}" must be 5 digits`);
    if (!AGE_GROUP_CODES.includes(ageGroup)) problems.push(`line ${line}: age group "${ageGroup}" is not one of ${AGE_GROUP_CODES.join(', ')}`);
    if (!/^\d{1,9}$/.test(population)) problems.push(`line ${line}: population "${population}" must be a whole number`);
    if (!/^(19|20)\d\d$/.test(year)) problems.push(`line ${line}: reference year "${year}" must be a year`);
    const key = `${wardCode} ${ageGroup}`;
    if (seen.has(key)) problems.push(`line ${line}: ward ${wardCode}, age group ${ageGroup} repeats line ${seen.get(key)}`);
    seen.set(key, line);
    rows.push({ line, wardCode, ageGroup, population: Number(population), referenceYear: Number(year) });
    return undefined;
  });
  if (problems.length) throw new ImportError(problems);
  return rows;
}

/**
 * Loads population figures: every ward must be a current ward already in the database, otherwise
 * nothing is written. A ward and age group already loaded is replaced.
 */
export async function importPopulation(db: UnitsDb, rows: PopulationRow[]): Promise<{ rows: number; wards: number }> {
  const codes = [...new Set(rows.map((r) => r.wardCode))];
  const known = new Set<string>();
  for (let i = 0; i < codes.length; i += 5000) {
    for (const w of await db.select({ code: schema.wards.code }).from(schema.wards).where(inArray(schema.wards.code, codes.slice(i, i + 5000)))) known.add(w.code);
  }
  const problems = rows.filter((r) => !known.has(r.wardCode)).map((r) => `line ${r.line}: ${r.wardCode} is not a current ward (import the current list first)`);
  if (problems.length) throw new ImportError(problems);
  await db.transaction(async (tx) => {
    await insertInChunks(rows, 2000, (chunk) =>
      tx
        .insert(schema.wardPopulation)
        .values(chunk.map(({ wardCode, ageGroup, population, referenceYear }) => ({ wardCode, ageGroup, population, referenceYear })))
        .onConflictDoUpdate({
          target: [schema.wardPopulation.wardCode, schema.wardPopulation.ageGroup],
          set: { population: sql`excluded.population`, referenceYear: sql`excluded.reference_year` },
        }),
    );
  });
  return { rows: rows.length, wards: codes.length };
}
