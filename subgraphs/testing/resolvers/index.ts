import { DateTime } from '../../shared/scalars.ts';
import type { Resolvers } from '../../shared/subgraph.ts';
import type { TestingContext } from './context.ts';
import { Contact } from './Contact.ts';
import { Mutation } from './Mutation.ts';
import { Person } from './Person.ts';
import { Province } from './Province.ts';
import { Query } from './Query.ts';
import { TestingSite } from './TestingSite.ts';
import { ScheduledTest, TestResult, TestResultRevision } from './TestResult.ts';
import { TracingTask } from './TracingTask.ts';

export type { AfterRecord, TestingContext } from './context.ts';

export const resolvers: Resolvers<TestingContext> = {
  DateTime,
  Query,
  Mutation,
  Person,
  TestResult,
  TestResultRevision,
  ScheduledTest,
  Contact,
  TracingTask,
  Province,
  TestingSite,
};
