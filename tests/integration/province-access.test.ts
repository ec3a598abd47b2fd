import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { BaseContext } from '@apollo/server';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { provinceModule } from '../../subgraphs/province/server.ts';
import { seedProvinceDemo } from '../../subgraphs/province/seed.ts';
import { demoId } from '../../subgraphs/province/demo-data.ts';
import { createRepositories } from '../../subgraphs/province/repositories/index.ts';
import type { TracingTaskDto } from '../../subgraphs/province/repositories/index.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { callers, codes, executeAs, type AuditRow } from '../support/subgraph.ts';

/**
 * Jurisdiction in a province deployment (subgraphs/province/access.ts), asked of the 79 shard
 * directly as the gateway's internal token would describe each caller: the shard itself must
 * refuse, whatever the gateway routes to it.
 */

const BEN_THANH = '26743'; // covered by the 79 demo team; the ward-bound tracer's ward
const CHO_LON = '27343'; // covered by the same team; outside the ward-bound tracer's wards
const FACILITY = demoId('facility', '79', 1);
const TRACER_1 = demoId('tracer', '79', 1);
const TEAM = demoId('team', '79', 1);

let n = 0;
const nextId = (prefix: string) => `${prefix}-0000-4000-8000-${String(++n).padStart(12, '0')}`;

const TASK_FIELDS = 'id provinceCode degree status ward { code } person { id } case { id } contact { id } assignedTo { fullName phone } notes { text }';

describe('province shard: jurisdiction for tasks, tracers and writes', () => {
  let database: TestDatabase<typeof provinceModule.tables>;
  let definition: SubgraphDefinition<BaseContext>;
  let service: SubgraphService;
  let inBenThanh: TracingTaskDto;
  let inChoLon: TracingTaskDto;
  const as = callers();

  const run = (identity: Identity, query: string, variables: Record<string, unknown> = {}) => executeAs(service, definition, identity, query, variables);
  const auditOf = (identity: Identity) => database.sql<AuditRow[]>`select * from audit_records where subject = ${identity.subject} order by id`;
  const taskRow = (id: string) => database.sql<Array<{ status: string; assigned_tracer_id: string | null }>>`select status, assigned_tracer_id from tracing_tasks where id = ${id}`;
  const notesOf = async (id: string) => (await database.sql`select count(*)::int as n from tracing_task_notes where task_id = ${id}`)[0]!.n as number;

  const official = (provinces: string[]) => as('province_official', { jurisdiction: provinces });
  const tracer = (provinces: string[], wards?: string[]) => as('tracer', { jurisdiction: provinces, ...(wards ? { wards } : {}) });
  const withAuditRead = (identity: Identity): Identity => ({ ...identity, scopes: ['audit:read'] });

  beforeAll(async () => {
    database = await createTestDatabase(provinceModule, 'province79access');
    await seedProvinceDemo(database.db, '79');
    definition = provinceModule.build(database.db, { nationalIdKey: 'k'.repeat(40), provinceCode: '79', logger: createLogger('test', 'silent') });
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: createLogger('test', 'silent') });
    const repos = createRepositories(database.db, '79');
    const task = (wardCode: string) => ({ contactId: nextId('c0c0c0c0'), caseId: nextId('ca5e0000'), personId: nextId('9e9e9e9e'), degree: 'F1' as const, wardCode });
    const [a, b] = await repos.tracingTasks.acceptMany([task(BEN_THANH), task(CHO_LON)]);
    if (a?.kind !== 'accepted' || b?.kind !== 'accepted') throw new Error('setup: tasks not accepted');
    inBenThanh = a.task;
    inChoLon = b.task;
  });
  afterAll(async () => {
    await database?.drop();
  });

  const provinceTasks = (identity: Identity) =>
    run(identity, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Province { code hotline tracingTasks { ${TASK_FIELDS} } } } }`, {
      reps: [{ __typename: 'Province', code: '79' }],
    });
  const oneTask = (identity: Identity, id: string) => run(identity, `query ($id: ID!) { tracingTask(province: "79", id: $id) { ${TASK_FIELDS} } }`, { id });
  const taskReference = (identity: Identity, id: string) =>
    run(identity, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on TracingTask { id person { id } } } }`, {
      reps: [{ __typename: 'TracingTask', provinceCode: '79', id }],
    });
  const update = (identity: Identity, taskId: string) =>
    run(identity, `mutation ($taskId: ID!) { updateTracingTask(province: "79", taskId: $taskId, status: CONTACTED, note: "called") { __typename ... on TracingTaskUpdated { task { id status } } } }`, { taskId });

  for (const [label, make] of [
    ['a province-01 official', () => official(['01'])],
    ['a tracer of province 24', () => tracer(['24'])],
    ['a citizen', () => as('citizen')],
    ['a partner', () => as('partner', { scopes: ['tasks:read', 'tasks:write', 'facilities:write'] })],
  ] as const) {
    itWithPostgres(`${label} reads no task of province 79 (list, by id, reference) and writes nothing`, async () => {
      const caller = make();
      const list = await provinceTasks(caller);
      // The public part of the province still answers; the tasks are refused.
      expect(list.data?._entities[0]).toEqual({ code: '79', hotline: '028 3800 0115', tracingTasks: null });
      expect(codes(list)).toEqual(['FORBIDDEN']);
      expect(list.errors?.[0]?.path).toEqual(['_entities', 0, 'tracingTasks']);

      for (const answer of [await oneTask(caller, inBenThanh.id), await taskReference(caller, inBenThanh.id)]) {
        expect(codes(answer)).toEqual(['FORBIDDEN']);
        expect(JSON.stringify(answer)).not.toContain(inBenThanh.personId);
      }

      const before = await taskRow(inChoLon.id);
      const notesBefore = await notesOf(inChoLon.id);
      const writes = [
        await update(caller, inChoLon.id),
        await run(caller, `mutation { assignTracer(province: "79", taskId: "${inChoLon.id}", tracerId: "${TRACER_1}") { __typename } }`),
        await run(caller, `mutation { setFacilityOccupancy(province: "79", facilityId: "${FACILITY}", occupied: 1) { __typename } }`),
        await run(caller, `mutation ($i: AcceptTracingTaskInput!) { acceptTracingTask(province: "79", input: $i) { __typename } }`, {
          i: { contactId: nextId('c0c0c0c0'), caseId: nextId('ca5e0000'), personId: nextId('9e9e9e9e'), degree: 'F1', wardCode: BEN_THANH },
        }),
      ];
      for (const answer of writes) expect(codes(answer)).toEqual(['FORBIDDEN']);
      expect(await taskRow(inChoLon.id)).toEqual(before);
      expect(await notesOf(inChoLon.id)).toBe(notesBefore);
      expect((await database.sql`select occupied from quarantine_facilities where id = ${FACILITY}`)[0]!.occupied).toBe(214);
      expect((await database.sql`select count(*)::int as n from tracing_tasks`)[0]!.n).toBe(2);
      // Each refusal of a known task by id (read, reference, change, assignment) is one request's
      // DENIED record; the refused list read nobody.
      expect((await auditOf(caller)).map((r) => [r.person_id, r.fields, r.outcome])).toEqual([
        [inBenThanh.personId, ['tracingTask'], 'DENIED'],
        [inBenThanh.personId, ['tracingTask'], 'DENIED'],
        [inChoLon.personId, ['tracingTask'], 'DENIED'],
        [inChoLon.personId, ['tracingTask'], 'DENIED'],
      ]);
    });

    itWithPostgres(`${label} sees the province's public data but no tracer's name or phone`, async () => {
      const caller = make();
      const answer = await run(
        caller,
        `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Province { hotline quarantineFacilities(withFreeBeds: true) { name freeBeds } testingSites { name } tracerTeams { name wards { code } tracers { fullName phone } } } } }`,
        { reps: [{ __typename: 'Province', code: '79' }] },
      );
      const province = answer.data?._entities[0];
      expect(province.hotline).toBe('028 3800 0115');
      expect(province.quarantineFacilities.map((f: { name: string }) => f.name)).toContain('Khu cách ly tập trung Ký túc xá Sài Gòn');
      expect(province.testingSites.length).toBeGreaterThan(0);
      expect(province.tracerTeams).toEqual([expect.objectContaining({ name: 'Tổ truy vết số 1 – HCDC', tracers: null })]);
      expect(codes(answer)).toEqual(['FORBIDDEN']);
      expect(answer.errors?.[0]?.path).toEqual(['_entities', 0, 'tracerTeams', 0, 'tracers']);
      expect(await auditOf(caller)).toEqual([]);
    });
  }

  itWithPostgres("a province-79 official reads and changes every task, sees tracers; reads of tasks and tracers are audited", async () => {
    const caller = official(['79']);
    const list = await provinceTasks(caller);
    expect(list.errors).toBeUndefined();
    const tasks = list.data?._entities[0].tracingTasks as Array<{ id: string; assignedTo: { fullName: string; phone: string } | null }>;
    expect(tasks.map((t) => t.id).sort()).toEqual([inBenThanh.id, inChoLon.id].sort());
    const tracerIds = [...new Set([inBenThanh.assignedTracerId, inChoLon.assignedTracerId])].filter((id): id is string => id !== null);
    expect(tracerIds.length).toBeGreaterThan(0);
    expect(tasks.every((t) => t.assignedTo && t.assignedTo.phone.length > 0)).toBe(true);

    const audited = await auditOf(caller);
    expect(audited.filter((r) => r.fields.includes('tracingTask')).map((r) => r.person_id).sort()).toEqual([inBenThanh.personId, inChoLon.personId].sort());
    expect(audited.filter((r) => r.fields.includes('tracer')).map((r) => r.person_id).sort()).toEqual(tracerIds.sort());
    expect(audited.every((r) => r.outcome === 'ALLOWED' && r.role === 'province_official')).toBe(true);

    const team = await run(caller, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Province { tracerTeams { id tracers { id fullName phone } } } } }`, {
      reps: [{ __typename: 'Province', code: '79' }],
    });
    expect(team.errors).toBeUndefined();
    expect(team.data?._entities[0].tracerTeams[0].id).toBe(TEAM);
    expect(team.data?._entities[0].tracerTeams[0].tracers.map((t: { id: string }) => t.id)).toContain(TRACER_1);

    const updated = await run(caller, `mutation { setFacilityOccupancy(province: "79", facilityId: "${FACILITY}", occupied: 215) { __typename } }`);
    expect(updated.data?.setFacilityOccupancy.__typename).toBe('FacilityOccupancySet');
    await run(caller, `mutation { setFacilityOccupancy(province: "79", facilityId: "${FACILITY}", occupied: 214) { __typename } }`);
  });

  itWithPostgres("a tracer whose token names wards reads and changes only the tasks of those wards", async () => {
    const caller = tracer(['79'], [BEN_THANH]);
    const list = await provinceTasks(caller);
    expect(list.errors).toBeUndefined();
    expect(list.data?._entities[0].tracingTasks.map((t: { id: string }) => t.id)).toEqual([inBenThanh.id]);

    expect((await oneTask(caller, inBenThanh.id)).data?.tracingTask.id).toBe(inBenThanh.id);
    const outside = await oneTask(caller, inChoLon.id);
    expect(outside.data?.tracingTask).toBeNull();
    expect(codes(outside)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(outside)).not.toContain(inChoLon.personId);

    const before = await taskRow(inChoLon.id);
    expect(codes(await update(caller, inChoLon.id))).toEqual(['FORBIDDEN']);
    expect(await taskRow(inChoLon.id)).toEqual(before);
    expect(await notesOf(inChoLon.id)).toBe(0);

    // Tracers work tasks; they neither hand out new ones nor change facilities.
    expect(codes(await run(caller, `mutation { setFacilityOccupancy(province: "79", facilityId: "${FACILITY}", occupied: 1) { __typename } }`))).toEqual(['FORBIDDEN']);

    // One record per request: the list, the read in its wards, the refused read and the refused change.
    expect((await auditOf(caller)).filter((r) => r.fields.includes('tracingTask')).map((r) => [r.person_id, r.outcome])).toEqual([
      [inBenThanh.personId, 'ALLOWED'],
      [inBenThanh.personId, 'ALLOWED'],
      [inChoLon.personId, 'DENIED'],
      [inChoLon.personId, 'DENIED'],
    ]);
  });

  itWithPostgres('a tracer of the province whose token names no wards sees every task of the province', async () => {
    const list = await provinceTasks(tracer(['79']));
    expect(list.errors).toBeUndefined();
    expect(list.data?._entities[0].tracingTasks.map((t: { id: string }) => t.id).sort()).toEqual([inBenThanh.id, inChoLon.id].sort());
  });

  itWithPostgres('national officials and the tracing service act everywhere', async () => {
    for (const caller of [as('national_official'), as('service')]) {
      expect((await oneTask(caller, inChoLon.id)).data?.tracingTask.id).toBe(inChoLon.id);
      const accepted = await run(caller, `mutation ($i: AcceptTracingTaskInput!) { acceptTracingTask(province: "79", input: $i) { __typename ... on TracingTaskAccepted { created } } }`, {
        i: { contactId: nextId('c0c0c0c0'), caseId: nextId('ca5e0000'), personId: nextId('9e9e9e9e'), degree: 'F2', wardCode: CHO_LON },
      });
      expect(accepted.data?.acceptTracingTask).toEqual({ __typename: 'TracingTaskAccepted', created: true });
    }
    await database.sql`delete from tracing_tasks where id not in (${inBenThanh.id}, ${inChoLon.id})`;
  });

  itWithPostgres('the audit trail of task reads: officials of the province and national officials with audit:read only', async () => {
    const reader = official(['79']);
    await oneTask(reader, inChoLon.id);
    const trail = `query ($p: ID!) { tracingTaskAuditTrail(province: "79", personId: $p) { subject role fields outcome } }`;
    const own = await run(withAuditRead(official(['79'])), trail, { p: inChoLon.personId });
    expect(own.errors).toBeUndefined();
    expect(own.data?.tracingTaskAuditTrail).toContainEqual({ subject: reader.subject, role: 'province_official', fields: ['tracingTask'], outcome: 'ALLOWED' });
    for (const refused of [withAuditRead(official(['01'])), official(['79']), withAuditRead(tracer(['79']))]) {
      const answer = await run(refused, trail, { p: inChoLon.personId });
      expect(codes(answer)).toEqual(['FORBIDDEN']);
    }
  });
});
