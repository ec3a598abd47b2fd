import { afterAll, beforeAll, describe, expect } from 'vitest';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { count, eq } from 'drizzle-orm';
import type { GraphQLFormattedError } from 'graphql';
import type { BaseContext } from '@apollo/server';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { provinceModule } from '../../subgraphs/province/server.ts';
import { seedProvinceDemo } from '../../subgraphs/province/seed.ts';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import * as tables from '../../subgraphs/province/db/schema.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

type Result = { data?: Record<string, any> | null; errors?: readonly GraphQLFormattedError[] };

const official: Identity = { subject: 'official-79', role: 'province_official', jurisdiction: ['79'], scopes: [], purpose: null };
const config = { nationalIdKey: 'k'.repeat(40), provinceCode: '79', logger: createLogger('test', 'silent') };

const FACILITY_SAI_GON = demoId('facility', '79', 1); // 300 beds, 214 occupied
const FACILITY_CHO_LON = demoId('facility', '79', 2); // 150 beds, full
const TRACER_1 = demoId('tracer', '79', 1);
const TRACER_2 = demoId('tracer', '79', 2);
const UNKNOWN = '00000000-0000-4000-8000-00000000dead';

let n = 0;
/** A fresh UUID-shaped id per call, so tests do not share contacts. */
const nextId = (prefix: string) => `${prefix}-0000-4000-8000-${String(++n).padStart(12, '0')}`;

interface Deployment {
  definition: SubgraphDefinition<BaseContext>;
  service: SubgraphService;
  run(query: string, variables?: Record<string, unknown>): Promise<Result>;
}

async function deploy(db: Parameters<typeof provinceModule.build>[0]): Promise<Deployment> {
  const definition = provinceModule.build(db, config);
  const service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: createLogger('test', 'silent') });
  return {
    definition,
    service,
    run: async (query, variables = {}) => {
      const response = await service.executor.run({ query, variables }, definition.createContext(official));
      return response.result as Result;
    },
  };
}

const codes = (result: Result) => result.errors?.map((e) => e.extensions?.code) ?? [];

const ACCEPT = /* GraphQL */ `
  mutation Accept($province: ID!, $input: AcceptTracingTaskInput!) {
    acceptTracingTask(province: $province, input: $input) {
      __typename
      ... on TracingTaskAccepted { created task { id provinceCode status degree dueAt ward { code } person { id } contact { id } case { id } assignedTo { id fullName team { name } } } }
      ... on InvalidTracingTask { message field }
    }
  }`;

const UPDATE = /* GraphQL */ `
  mutation Update($taskId: ID!, $status: TracingTaskStatus, $note: String) {
    updateTracingTask(province: "79", taskId: $taskId, status: $status, note: $note) {
      __typename
      ... on TracingTaskUpdated { task { status notes { author text } } }
      ... on InvalidTransition { message from to }
      ... on TracingTaskNotFound { message }
    }
  }`;

const OCCUPANCY = /* GraphQL */ `
  mutation Occupancy($facilityId: ID!, $occupied: Int!) {
    setFacilityOccupancy(province: "79", facilityId: $facilityId, occupied: $occupied) {
      __typename
      ... on FacilityOccupancySet { facility { id occupied freeBeds capacity updatedAt } }
      ... on InvalidOccupancy { message capacity }
      ... on FacilityNotFound { message }
    }
  }`;

function acceptInput(overrides: Record<string, unknown> = {}) {
  return {
    contactId: nextId('c0c0c0c0'),
    caseId: 'c45e0f00-0000-4000-8000-000000000001',
    personId: nextId('9e9e9e9e'),
    degree: 'F1',
    wardCode: '26743',
    ...overrides,
  };
}

describe('province subgraph (deployment for 79) over GraphQL', () => {
  let database: TestDatabase<typeof provinceModule.tables>;
  let p79: Deployment;

  beforeAll(async () => {
    database = await createTestDatabase(provinceModule, 'province79');
    await seedProvinceDemo(database.db, '79');
    p79 = await deploy(database.db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const taskCount = async () => (await database.db.select({ n: count() }).from(tables.tracingTasks))[0]?.n ?? 0;

  itWithPostgres('refuses to build without a province code', () => {
    expect(() => provinceModule.build(database.db, { ...config, provinceCode: undefined })).toThrow(/provinceCode/);
  });

  itWithPostgres('answers for its own province through _entities: hotline, facilities, sites, teams, zones', async () => {
    const result = await p79.run(
      /* GraphQL */ `
        query ($reps: [_Any!]!, $now: DateTime!, $before: DateTime!) {
          _entities(representations: $reps) {
            ... on Province {
              code
              hotline
              all: quarantineFacilities { name capacity occupied freeBeds ward { code } provinceCode }
              free: quarantineFacilities(withFreeBeds: true) { name freeBeds }
              testingSites { name ward { code } openingHours }
              tracerTeams { name wards { code } tracers { fullName team { name } } }
              activeNow: zones(activeAt: $now) { name level wards { code } endsAt }
              activeBefore: zones(activeAt: $before) { name }
              tracingTasks(status: CLOSED) { id }
            }
          }
        }`,
      {
        reps: [{ __typename: 'Province', code: '79' }],
        now: new Date().toISOString(),
        before: new Date(Date.now() - 2 * 24 * 3600_000).toISOString(),
      },
    );
    expect(result.errors).toBeUndefined();
    const province = result.data?._entities[0];
    expect(province.code).toBe('79');
    expect(province.hotline).toBe('028 3800 0115');
    expect(province.all.map((f: { name: string; freeBeds: number }) => [f.name, f.freeBeds])).toEqual([
      ['Khu cách ly tập trung Ký túc xá Chợ Lớn', 0],
      ['Khu cách ly tập trung Ký túc xá Sài Gòn', 86],
    ]);
    expect(province.all[0].provinceCode).toBe('79');
    expect(province.free).toEqual([{ name: 'Khu cách ly tập trung Ký túc xá Sài Gòn', freeBeds: 86 }]);
    expect(province.testingSites).toHaveLength(2);
    expect(province.tracerTeams).toEqual([
      {
        name: 'Tổ truy vết số 1 – HCDC',
        wards: [{ code: '26737' }, { code: '26740' }, { code: '26743' }, { code: '27343' }],
        tracers: [
          { fullName: 'Lý Hoàng Phúc', team: { name: 'Tổ truy vết số 1 – HCDC' } },
          { fullName: 'Trương Mỹ Linh', team: { name: 'Tổ truy vết số 1 – HCDC' } },
        ],
      },
    ]);
    expect(province.activeNow).toEqual([{ name: 'Phong tỏa Phường Bến Thành', level: 'BLOCKADE', wards: [{ code: '26743' }], endsAt: null }]);
    expect(province.activeBefore).toEqual([]);
    expect(province.tracingTasks).toEqual([]);
  });

  itWithPostgres('refuses another province (WRONG_PROVINCE) and a malformed code (BAD_USER_INPUT), on every entry point', async () => {
    const byRoot = async (province: string) =>
      p79.run(`query ($p: ID!, $id: ID!) { quarantineFacility(province: $p, id: $id) { name } }`, { p: province, id: FACILITY_SAI_GON });

    const own = await byRoot('79');
    expect(own.errors).toBeUndefined();
    expect(own.data?.quarantineFacility).toEqual({ name: 'Khu cách ly tập trung Ký túc xá Sài Gòn' });

    const other = await byRoot('01');
    expect(codes(other)).toEqual(['WRONG_PROVINCE']);
    expect(other.errors?.[0]?.extensions).toMatchObject({ province: '01', servedProvince: '79' });
    expect(other.data?.quarantineFacility).toBeNull();

    expect(codes(await byRoot('x1'))).toEqual(['BAD_USER_INPUT']);

    const task = await p79.run(`{ tracingTask(province: "01", id: "${UNKNOWN}") { id } }`);
    expect(codes(task)).toEqual(['WRONG_PROVINCE']);

    const entities = await p79.run(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Province { code hotline } ... on QuarantineFacility { name } } }`,
      {
        reps: [
          { __typename: 'Province', code: '79' },
          { __typename: 'Province', code: '01' },
          { __typename: 'QuarantineFacility', provinceCode: '01', id: FACILITY_SAI_GON },
          { __typename: 'Province', code: 'x1' },
        ],
      },
    );
    expect(entities.data?._entities).toEqual([{ code: '79', hotline: '028 3800 0115' }, null, null, null]);
    expect(entities.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['_entities.1', 'WRONG_PROVINCE'],
      ['_entities.2', 'WRONG_PROVINCE'],
      ['_entities.3', 'BAD_USER_INPUT'],
    ]);

    // Mutations too, and nothing is written.
    const before = await taskCount();
    for (const [province, code] of [['01', 'WRONG_PROVINCE'], ['x1', 'BAD_USER_INPUT']] as const) {
      const accepted = await p79.run(ACCEPT, { province, input: acceptInput() });
      expect(codes(accepted)).toEqual([code]);
      // Province results are nullable (a shard may be down), so the refusal nulls only the field.
      expect(accepted.data).toEqual({ acceptTracingTask: null });
      const occupancy = await p79.run(`mutation { setFacilityOccupancy(province: "${province}", facilityId: "${FACILITY_SAI_GON}", occupied: 1) { __typename } }`);
      expect(codes(occupancy)).toEqual([code]);
    }
    expect(await taskCount()).toBe(before);
    const [facility] = await database.db.select().from(tables.quarantineFacilities).where(eq(tables.quarantineFacilities.id, FACILITY_SAI_GON));
    expect(facility?.occupied).toBe(214);
  });

  itWithPostgres('acceptTracingTask is idempotent on the contact and auto-assigns a tracer of the team covering the ward', async () => {
    const input = acceptInput({ wardCode: '26740', degree: 'F2' });
    const before = await taskCount();

    const first = await p79.run(ACCEPT, { province: '79', input });
    expect(first.errors).toBeUndefined();
    const accepted = first.data?.acceptTracingTask;
    expect(accepted.__typename).toBe('TracingTaskAccepted');
    expect(accepted.created).toBe(true);
    expect(accepted.task).toMatchObject({
      provinceCode: '79', status: 'NEW', degree: 'F2', ward: { code: '26740' },
      person: { id: input.personId }, contact: { id: input.contactId }, case: { id: input.caseId },
    });
    expect([TRACER_1, TRACER_2]).toContain(accepted.task.assignedTo.id);
    expect(accepted.task.assignedTo.team.name).toBe('Tổ truy vết số 1 – HCDC');
    // Default due time: 24 hours from now.
    expect(Math.abs(Date.parse(accepted.task.dueAt) - (Date.now() + 24 * 3600_000))).toBeLessThan(60_000);

    const repeat = await p79.run(ACCEPT, { province: '79', input });
    expect(repeat.data?.acceptTracingTask.created).toBe(false);
    expect(repeat.data?.acceptTracingTask.task.id).toBe(accepted.task.id);
    expect(await taskCount()).toBe(before + 1);

    // The same contact for another person is a caller's bug, not a retry.
    const conflicting = await p79.run(ACCEPT, { province: '79', input: { ...input, personId: UNKNOWN } });
    expect(conflicting.data?.acceptTracingTask).toMatchObject({ __typename: 'InvalidTracingTask', field: 'personId' });
    expect(await taskCount()).toBe(before + 1);
  });

  itWithPostgres('acceptTracingTask leaves a task in a ward no team covers unassigned', async () => {
    const result = await p79.run(ACCEPT, { province: '79', input: acceptInput({ wardCode: '26734' }) });
    expect(result.data?.acceptTracingTask).toMatchObject({ created: true, task: { assignedTo: null, ward: { code: '26734' } } });
  });

  itWithPostgres('acceptTracingTask refuses bad input and writes nothing', async () => {
    const before = await taskCount();
    const past = await p79.run(ACCEPT, { province: '79', input: acceptInput({ dueAt: '2020-01-01T00:00:00Z' }) });
    expect(past.data?.acceptTracingTask).toMatchObject({ __typename: 'InvalidTracingTask', field: 'dueAt' });
    for (const [field, value] of [['contactId', 'not-a-uuid'], ['caseId', '1'], ['personId', "'; drop table x"], ['wardCode', '2674']] as const) {
      const result = await p79.run(ACCEPT, { province: '79', input: acceptInput({ [field]: value }) });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0]?.extensions?.argument).toBe(`input.${field}`);
    }
    const noZone = await p79.run(ACCEPT, { province: '79', input: acceptInput({ dueAt: '2030-01-01T00:00:00' }) });
    expect(codes(noZone)).toEqual(['BAD_USER_INPUT']);
    expect(await taskCount()).toBe(before);
  });

  itWithPostgres('acceptTracingTasks answers a batch in order and refuses the whole batch, writing nothing, when one input is malformed', async () => {
    const BATCH = /* GraphQL */ `
      mutation Batch($inputs: [AcceptTracingTaskInput!]!) {
        acceptTracingTasks(province: "79", inputs: $inputs) {
          __typename
          ... on TracingTaskAccepted { created task { id } }
          ... on InvalidTracingTask { field }
        }
      }`;
    const before = await taskCount();
    const [a, b] = [acceptInput(), acceptInput()];
    const refused = await p79.run(BATCH, { inputs: [a, { ...b, wardCode: '2674' }] });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors?.[0]?.extensions?.argument).toBe('inputs[1].wardCode');
    expect(await taskCount()).toBe(before);

    const accepted = await p79.run(BATCH, { inputs: [a, b, a, acceptInput({ dueAt: '2020-01-01T00:00:00Z' })] });
    const answers = accepted.data?.acceptTracingTasks as Array<{ __typename: string; created?: boolean; task?: { id: string }; field?: string }>;
    expect(answers.map((r) => r.__typename + (r.created === undefined ? '' : `:${r.created}`))).toEqual([
      'TracingTaskAccepted:true', 'TracingTaskAccepted:true', 'TracingTaskAccepted:false', 'InvalidTracingTask',
    ]);
    expect(answers[2]?.task?.id).toBe(answers[0]?.task?.id);
    expect(await taskCount()).toBe(before + 2);
  });

  itWithPostgres('updateTracingTask follows the allowed transitions and refuses others without writing', async () => {
    const accepted = await p79.run(ACCEPT, { province: '79', input: acceptInput() });
    const taskId: string = accepted.data?.acceptTracingTask.task.id;
    const update = (variables: Record<string, unknown>) => p79.run(UPDATE, { taskId, ...variables }).then((r) => {
      expect(r.errors).toBeUndefined();
      return r.data?.updateTracingTask;
    });

    expect(await update({ status: 'ISOLATED', note: 'skipped a step' })).toEqual({
      __typename: 'InvalidTransition', from: 'NEW', to: 'ISOLATED', message: 'A tracing task cannot go from NEW to ISOLATED.',
    });
    expect(await update({ status: 'CONTACTED', note: 'Đã gọi điện, người dân hợp tác.' })).toEqual({
      __typename: 'TracingTaskUpdated', task: { status: 'CONTACTED', notes: [{ author: 'official-79', text: 'Đã gọi điện, người dân hợp tác.' }] },
    });
    // The refused change above wrote no note.
    const notes = await database.db.select().from(tables.tracingTaskNotes).where(eq(tables.tracingTaskNotes.taskId, taskId));
    expect(notes.map((note) => note.text)).toEqual(['Đã gọi điện, người dân hợp tác.']);

    const [beforeRetry] = await database.db.select().from(tables.tracingTasks).where(eq(tables.tracingTasks.id, taskId));
    expect(await update({ status: 'CONTACTED' })).toMatchObject({ task: { status: 'CONTACTED' } }); // same status: a retry, no-op
    const [afterRetry] = await database.db.select().from(tables.tracingTasks).where(eq(tables.tracingTasks.id, taskId));
    expect(afterRetry).toEqual(beforeRetry);
    expect(await update({ status: 'CLOSED' })).toMatchObject({ __typename: 'InvalidTransition', from: 'CONTACTED', to: 'CLOSED' });
    expect(await update({ status: 'ISOLATED' })).toMatchObject({ task: { status: 'ISOLATED' } });
    expect(await update({ status: 'TESTED' })).toMatchObject({ task: { status: 'TESTED' } });
    expect(await update({ status: 'ISOLATED' })).toMatchObject({ task: { status: 'ISOLATED' } });
    expect(await update({ note: 'Kết quả xét nghiệm âm tính.' })).toMatchObject({ task: { status: 'ISOLATED' } });
    expect(await update({ status: 'CLOSED' })).toMatchObject({ task: { status: 'CLOSED' } });
    expect(await update({ status: 'NEW' })).toMatchObject({ __typename: 'InvalidTransition', from: 'CLOSED', to: 'NEW' });

    // An unreachable contact: NEW → CLOSED.
    const other = await p79.run(ACCEPT, { province: '79', input: acceptInput() });
    const closed = await p79.run(UPDATE, { taskId: other.data?.acceptTracingTask.task.id, status: 'CLOSED', note: 'Không liên lạc được sau 5 lần gọi.' });
    expect(closed.data?.updateTracingTask.task.status).toBe('CLOSED');

    expect(codes(await p79.run(UPDATE, { taskId }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await p79.run(UPDATE, { taskId, note: '   ' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await p79.run(UPDATE, { taskId, note: 'x'.repeat(2001) }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await p79.run(UPDATE, { taskId: 'nope', status: 'CLOSED' }))).toEqual(['BAD_USER_INPUT']);
    const missing = await p79.run(UPDATE, { taskId: UNKNOWN, status: 'CLOSED' });
    expect(missing.data?.updateTracingTask.__typename).toBe('TracingTaskNotFound');
  });

  itWithPostgres('assignTracer assigns, or says which of task and tracer is unknown', async () => {
    const accepted = await p79.run(ACCEPT, { province: '79', input: acceptInput({ wardCode: '26734' }) });
    const taskId: string = accepted.data?.acceptTracingTask.task.id;
    const assign = (task: string, tracer: string) =>
      p79.run(`mutation { assignTracer(province: "79", taskId: "${task}", tracerId: "${tracer}") {
        __typename ... on TracerAssigned { task { assignedTo { id } } } ... on TracerNotFound { message } ... on TracingTaskNotFound { message } } }`);

    expect((await assign(taskId, TRACER_2)).data?.assignTracer).toEqual({ __typename: 'TracerAssigned', task: { assignedTo: { id: TRACER_2 } } });
    expect((await assign(taskId, UNKNOWN)).data?.assignTracer.__typename).toBe('TracerNotFound');
    expect((await assign(UNKNOWN, TRACER_1)).data?.assignTracer.__typename).toBe('TracingTaskNotFound');
    expect(codes(await assign(taskId, 'tracer-1'))).toEqual(['BAD_USER_INPUT']);
    const [row] = await database.db.select().from(tables.tracingTasks).where(eq(tables.tracingTasks.id, taskId));
    expect(row?.assignedTracerId).toBe(TRACER_2);
  });

  itWithPostgres('setFacilityOccupancy records valid counts and writes nothing for bad ones', async () => {
    const read = async () => (await database.db.select().from(tables.quarantineFacilities).where(eq(tables.quarantineFacilities.id, FACILITY_CHO_LON)))[0]!;
    const before = await read();

    for (const occupied of [-1, 151]) {
      const result = await p79.run(OCCUPANCY, { facilityId: FACILITY_CHO_LON, occupied });
      expect(result.data?.setFacilityOccupancy).toMatchObject({ __typename: 'InvalidOccupancy', capacity: 150 });
      expect(result.data?.setFacilityOccupancy.message).toContain(String(occupied));
    }
    expect(await read()).toEqual(before);

    const missing = await p79.run(OCCUPANCY, { facilityId: UNKNOWN, occupied: 1 });
    expect(missing.data?.setFacilityOccupancy.__typename).toBe('FacilityNotFound');
    expect(codes(await p79.run(OCCUPANCY, { facilityId: 'fac-1', occupied: 1 }))).toEqual(['BAD_USER_INPUT']);

    const set = await p79.run(OCCUPANCY, { facilityId: FACILITY_CHO_LON, occupied: 120 });
    expect(set.data?.setFacilityOccupancy).toMatchObject({ __typename: 'FacilityOccupancySet', facility: { occupied: 120, freeBeds: 30, capacity: 150 } });
    expect(Date.parse(set.data?.setFacilityOccupancy.facility.updatedAt)).toBeGreaterThan(before.updatedAt.getTime());
    const full = await p79.run(OCCUPANCY, { facilityId: FACILITY_CHO_LON, occupied: 150 });
    expect(full.data?.setFacilityOccupancy.facility.freeBeds).toBe(0);
  });

  itWithPostgres('resolves many QuarantineFacility and TracingTask keys in one SQL statement per type, in key order', async () => {
    const taskA = (await p79.run(ACCEPT, { province: '79', input: acceptInput() })).data?.acceptTracingTask.task.id as string;
    const taskB = (await p79.run(ACCEPT, { province: '79', input: acceptInput() })).data?.acceptTracingTask.task.id as string;

    // A second deployment on its own connection, whose every statement is counted.
    const statements: string[] = [];
    const sql = postgres(database.url, { max: 2, onnotice: () => {}, debug: (_connection, query) => statements.push(query) });
    const counted = await deploy(drizzle(sql, { schema: tables }));
    try {
      const result = await counted.run(
        `query ($reps: [_Any!]!) { _entities(representations: $reps) {
          ... on QuarantineFacility { provinceCode id name freeBeds }
          ... on TracingTask { provinceCode id status assignedTo { fullName } }
        } }`,
        {
          reps: [
            { __typename: 'QuarantineFacility', provinceCode: '79', id: FACILITY_SAI_GON },
            { __typename: 'TracingTask', provinceCode: '79', id: taskB },
            { __typename: 'QuarantineFacility', provinceCode: '79', id: UNKNOWN },
            { __typename: 'TracingTask', provinceCode: '79', id: UNKNOWN },
            { __typename: 'QuarantineFacility', provinceCode: '79', id: FACILITY_CHO_LON.toUpperCase() },
            { __typename: 'TracingTask', provinceCode: '79', id: taskA },
          ],
        },
      );
      expect(result.errors).toBeUndefined();
      const entities = result.data?._entities as Array<Record<string, unknown> | null>;
      expect(entities.map((e) => e && e.id)).toEqual([FACILITY_SAI_GON, taskB, null, null, FACILITY_CHO_LON, taskA]);
      expect(entities[0]).toMatchObject({ provinceCode: '79', name: 'Khu cách ly tập trung Ký túc xá Sài Gòn' });
      expect(entities[1]).toMatchObject({ provinceCode: '79', status: 'NEW' });

      const touching = (table: string) => statements.filter((s) => new RegExp(`from "${table}"`).test(s));
      expect(touching('quarantine_facilities')).toHaveLength(1);
      expect(touching('tracing_tasks')).toHaveLength(1);
      expect(touching('tracers')).toHaveLength(1); // both tasks' tracers in one statement
      // The audit of the tasks and tracers read: one INSERT for the whole request.
      expect(statements.filter((s) => s.includes('insert into audit_records'))).toHaveLength(1);
      // Besides postgres.js's own catalogue look-up when a connection opens, nothing else ran.
      expect(statements.filter((s) => !s.includes('pg_catalog'))).toHaveLength(4);
    } finally {
      await sql.end();
    }
  });
});
