import DataLoader from 'dataloader';
import { manyByKey, oneByKey } from '../shared/loaders.ts';
import type { UnitsRepository } from './repository.ts';

/** Made per request (never shared between callers), so batching never mixes requests. */
export function createLoaders(repo: UnitsRepository) {
  return {
    province: oneByKey((codes: readonly string[]) => repo.provincesByCodes(codes), (p) => p.code),
    ward: oneByKey((codes: readonly string[]) => repo.wardsByCodes(codes), (w) => w.code),
    wardsOfProvince: manyByKey((codes: readonly string[]) => repo.wardsByProvinceCodes(codes), (w) => w.provinceCode),
    successors: new DataLoader<string, string[]>(async (oldCodes) => {
      const byOld = await repo.successorCodesByOldCodes(oldCodes);
      return oldCodes.map((code) => byOld.get(code) ?? []);
    }),
  };
}

export type UnitsLoaders = ReturnType<typeof createLoaders>;
