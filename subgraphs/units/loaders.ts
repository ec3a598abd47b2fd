import DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { UnitsRepositories } from './repositories/index.ts';

/** Made per request (never shared between callers), so batching never mixes requests. */
export function createLoaders({ units }: UnitsRepositories) {
  const province = oneByKey((codes: readonly string[]) => units.provincesByCodes(codes), (p) => p.code);
  return {
    province,
    ward: oneByKey((codes: readonly string[]) => units.wardsByCodes(codes), (w) => w.code),
    /** Wards asked for with their province: both in one statement, which `Ward.province` then finds primed. */
    wardWithProvince: oneByKey(async (codes: readonly string[]) => {
      const rows = await units.wardsWithProvinceByCodes(codes);
      for (const row of rows) if (row.province) province.prime(row.province.code, row.province);
      return rows.map((row) => row.ward);
    }, (w) => w.code),
    wardsOfProvince: manyByKey((codes: readonly string[]) => units.wardsByProvinceCodes(codes), (w) => w.provinceCode),
    successors: new DataLoader<string, string[]>(async (oldCodes) => {
      const byOld = await units.successorCodesByOldCodes(oldCodes);
      return oldCodes.map((code) => byOld.get(code) ?? []);
    }),
  };
}

export type UnitsLoaders = ReturnType<typeof createLoaders>;
