import type { TestingSiteRow } from '../db/models.ts';

export const TestingSite = {
  ward: (s: TestingSiteRow) => ({ code: s.wardCode }),
};
