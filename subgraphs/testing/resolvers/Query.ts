import { requireUuid } from '../../shared/validate.ts';
import type { TestingContext } from './context.ts';

export const Query = {
  testResult: (_: unknown, { id }: { id: string }, ctx: TestingContext) => ctx.reader.result(requireUuid(id, 'id')),
};
