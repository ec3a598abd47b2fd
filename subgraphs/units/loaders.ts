import DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { UnitsRepositories } from './repositories/index.ts';

/** Made per request (never shared between callers), so batching never mixes requests. */
export function createLoaders({ units }: UnitsRepositories) {
  return {
    province: oneByKey((codes: readonly string[]) => units.provincesByCodes(codes), (p) => p.code),
    ward: oneByKey((codes: readonly string[]) => units.wardsByCodes(codes), (w) => w.code),
    wardsOfProvince: manyByKey((codes: readonly string[]) => units.wardsByProvinceCodes(codes), (w) => w.provinceCode),
    successors: new DataLoader<string, string[]>(async (oldCodes) => {
      const byOld = await units.successorCodesByOldCodes(oldCodes);
      return oldCodes.map((code) => byOld.get(code) ?? []);
    }),
  };
}

export type UnitsLoaders = ReturnType<typeof createLoaders>;
