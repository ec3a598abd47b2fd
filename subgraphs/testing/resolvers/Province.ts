import { requireProvinceCode } from '../../shared/validate.ts';
import { requireDay } from '../validation.ts';
import type { TestingContext } from './context.ts';

/** Province belongs to units; testing adds a province's testing list for a day (reader.ts decides who may read it). */
export const Province = {
  __resolveReference: (ref: { code: string }) => ({ code: requireProvinceCode(ref.code, 'code') }),
  testingSchedule: (p: { code: string }, { date }: { date: string }, ctx: TestingContext) => ctx.reader.provinceSchedule(p.code, requireDay(date)),
};
