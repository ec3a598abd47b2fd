import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { ImportError, importCurrentUnits, importLegacyUnits, parseUnits, parseWardMapping } from '../../subgraphs/units/import.ts';
import { UnitsRepository } from '../../subgraphs/units/repositories/index.ts';
import { unitsModule } from '../../subgraphs/units/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { hasVnAdminData, VN_ADMIN_DIR } from '../support/shared-data.ts';

const read = (file: string) => readFileSync(`${VN_ADMIN_DIR}${file}`, 'utf8');

describe.skipIf(!hasVnAdminData)('importing the real administrative-unit lists', () => {
  let database: TestDatabase<typeof unitsModule.tables>;
  let repo: UnitsRepository;

  beforeAll(async () => {
    database = await createTestDatabase(unitsModule, 'unitsimport');
    repo = new UnitsRepository(database.db);
  });
  afterAll(() => database?.drop());

  itWithPostgres('loads the 34-province structure, the 63-province structure and the ward mapping', async () => {
    expect(await importCurrentUnits(database.db, parseUnits(read('units-34-provinces.csv'), 'current'))).toEqual({ provinces: 34, wards: 3321 });
    const legacy = await importLegacyUnits(database.db, parseUnits(read('units-63-provinces.csv'), 'legacy'), parseWardMapping(read('ward-mapping-2025.csv')));
    expect(legacy).toEqual({ legacyUnits: 10794, successors: 10568 });
    expect(await repo.counts()).toEqual({ provinces: 34, wards: 3321, legacyUnits: 10794, successors: 10568 });
  });

  itWithPostgres('keeps the two vintages apart: 31078 is a different unit before and after the reform', async () => {
    const [current] = await repo.wardsByCodes(['31078']);
    const legacy = await repo.legacyWard('31078');
    expect(current?.name).toBe('Đặc khu Phú Quốc');
    expect(legacy?.name).toBe('Phường Dương Đông');
  });

  itWithPostgres('maps a split old ward to every successor', async () => {
    const legacy = await repo.legacyWard('26737');
    expect(legacy).toMatchObject({ name: 'Phường Đa Kao', provinceName: 'Thành phố Hồ Chí Minh' });
    expect((await repo.successorCodesByOldCodes(['26737'])).get('26737')).toEqual(['26737', '26740']);
  });

  itWithPostgres('writes nothing when a mapping points at an unknown current ward', async () => {
    const before = await repo.counts();
    const units = parseUnits('code,name,type,level,parent_code\n99,Tỉnh Thử,Tỉnh,province,\n999,Huyện Thử,Huyện,district,99\n99999,Xã Thử,Xã,ward,999\n', 'legacy');
    await expect(importLegacyUnits(database.db, units, parseWardMapping('old_ward_code,new_ward_code\n99999,88888\n'))).rejects.toBeInstanceOf(ImportError);
    expect(await repo.counts()).toEqual(before);
    expect(await repo.legacyWard('99999')).toBeNull();
  });
});
