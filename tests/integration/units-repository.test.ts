import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createRepositories, type UnitsRepository } from '../../subgraphs/units/repositories/index.ts';
import { unitsModule } from '../../subgraphs/units/server.ts';
import { createLoaders } from '../../subgraphs/units/loaders.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

describe('units repository', () => {
  let database: TestDatabase<typeof unitsModule.tables>;
  let repo: UnitsRepository;

  beforeAll(async () => {
    database = await createTestDatabase(unitsModule);
    repo = createRepositories(database.db).units;
    await repo.seedDirectory();
  });
  afterAll(() => database?.drop());

  itWithPostgres('seeds the 34 provinces of the current structure, idempotently', async () => {
    await repo.seedDirectory();
    const provinces = await repo.allProvinces();
    expect(provinces).toHaveLength(34);
    expect(provinces.find((p) => p.code === '79')?.name).toBe('Thành phố Hồ Chí Minh');
  });

  itWithPostgres('batches ward look-ups: one result per key, in key order, null for unknown codes', async () => {
    const loaders = createLoaders({ units: repo });
    const wards = await Promise.all(['26743', '99999', '00004'].map((code) => loaders.ward.load(code)));
    expect(wards.map((w) => w?.name ?? null)).toEqual(['Phường Bến Thành', null, 'Phường Ba Đình']);
  });

  itWithPostgres("brings each ward's province in the same statement when asked: no second look-up for Ward.province", async () => {
    const asked: string[][] = [];
    const counting = Object.assign(Object.create(repo) as UnitsRepository, {
      provincesByCodes: (codes: readonly string[]) => (asked.push([...codes]), repo.provincesByCodes(codes)),
    });
    const loaders = createLoaders({ units: counting });
    const [saigon, badinh] = await Promise.all([loaders.wardWithProvince.load('26743'), loaders.wardWithProvince.load('00004')]);
    expect([saigon, badinh]).toEqual(await Promise.all([loaders.ward.load('26743'), loaders.ward.load('00004')]));
    const provinces = await Promise.all([loaders.province.load(saigon!.provinceCode), loaders.province.load(badinh!.provinceCode)]);
    // The rows the province look-up itself returns, fields and all.
    expect(provinces).toEqual([...(await repo.provincesByCodes(['79'])), ...(await repo.provincesByCodes(['01']))]);
    expect(provinces.map((p) => p?.code)).toEqual(['79', '01']);
    expect(asked).toEqual([]);
    // A province no loaded ward brought is still looked up.
    expect((await loaders.province.load('48'))?.code).toBe('48');
    expect(asked).toEqual([['48']]);
  });
});
