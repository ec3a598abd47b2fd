import { requireProvinceCode } from '../../shared/validate.ts';
import { requireDay, requirePage } from '../validation.ts';
import type { TestingContext } from './context.ts';

/** Province belongs to units; testing adds a province's testing list for a day (reader.ts decides who may read it). */
export const Province = {
  __resolveReference: (ref: { code: string }) => ({ code: requireProvinceCode(ref.code, 'code') }),
  testingSchedule: (p: { code: string }, { date, limit, offset }: { date: string; limit: number; offset: number }, ctx: TestingContext) =>
    ctx.reader.provinceSchedule(p.code, requireDay(date), requirePage(limit, offset)),
};
