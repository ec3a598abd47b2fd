import { DateTime } from '../../shared/scalars.ts';
import type { Resolvers } from '../../shared/subgraph.ts';
import type { TestingContext } from './context.ts';
import { Mutation } from './Mutation.ts';
import { Person } from './Person.ts';
import { Query } from './Query.ts';
import { ScheduledTest, TestResult, TestResultRevision } from './TestResult.ts';

export type { AfterRecord, TestingContext } from './context.ts';

export const resolvers: Resolvers<TestingContext> = {
  DateTime,
  Query,
  Mutation,
  Person,
  TestResult,
  TestResultRevision,
  ScheduledTest,
};
