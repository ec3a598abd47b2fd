import { randomUUID } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { createRepositories, type ContactInput, type TracingRepositories } from '../../subgraphs/tracing/repositories/index.ts';
import { DEFAULT_CONTACT_RULE } from '../../subgraphs/tracing/rules.ts';
import { tracingModule } from '../../subgraphs/tracing/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { callers, codes, executeAs, type AuditRow } from '../support/subgraph.ts';
import { trustOff } from '../bench/trust-off.ts';

const config = { nationalIdKey: 'n'.repeat(40), logger: createLogger('test', 'silent') };
const HOUR = 60 * 60_000;



/**
 * The audit of reads of health status in the tracing subgraph (reader.ts, audit.ts), over GraphQL,
 * with two cases: H confirmed in 79 (contacts living in 79 and 01), K confirmed in 01 (no contacts).
 */
describe('tracing subgraph: every read of health status is audited', () => {
  let database: TestDatabase<typeof tracingModule.tables>;
  let definition: SubgraphDefinition<BaseContext>;
  let service: SubgraphService;
  let repos: TracingRepositories;
  const H = { id: randomUUID(), personId: randomUUID() };
  const K = { id: randomUUID(), personId: randomUUID() };
  const people = { in79: randomUUID(), in01: randomUUID() };
  /** Each test reads as its own caller, so its audit records are its own. */
  const as = callers();

  const run = (identity: Identity, query: string, variables: Record<string, unknown> = {}, on = definition, through = service) =>
    executeAs(through, on, identity, query, variables);
  const auditOf = (subject: string) => database.sql<AuditRow[]>`select * from audit_records where subject = ${subject} order by id`;
  const contact = (personId: string): ContactInput => ({
    personId,
    degree: 'F1',
    viaPersonId: null,
    venueId: randomUUID(),
    overlapStart: new Date('2025-07-07T03:00:00Z'),
    overlapEnd: new Date('2025-07-07T04:00:00Z'),
    overlapMinutes: 60,
  });

  beforeAll(async () => {
    database = await createTestDatabase(tracingModule, 'tracingaudit');
    repos = createRepositories(database.db);
    definition = tracingModule.build(database.db, config);
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
    const confirmedAt = new Date(Date.now() - HOUR);
    await repos.cases.confirm({ ...H, provinceCode: '79', confirmedAt, onsetAt: null, ruleName: DEFAULT_CONTACT_RULE.name });
    await repos.cases.confirm({ ...K, provinceCode: '01', confirmedAt, onsetAt: null, ruleName: DEFAULT_CONTACT_RULE.name });
    await repos.contacts.upsertContacts(H.id, [contact(people.in79), contact(people.in01)]);
    const ids = Object.fromEntries((await repos.contacts.byCaseIds([H.id])).map((c) => [c.personId, c.id]));
    await repos.contacts.recordHomeProvinces(H.id, [
      { contactId: ids[people.in79]!, provinceCode: '79' },
      { contactId: ids[people.in01]!, provinceCode: '01' },
    ]);
  });
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  itWithPostgres('a case and its contacts read by id: ALLOWED records for the case person and each contact person returned', async () => {
    const caller = as('province_official', { jurisdiction: ['79'], purpose: 'case-follow-up' });
    const result = await run(caller, `query CaseOverview__tracing__0($id: ID!) { case(id: $id) { id contacts { id person { id } } } }`, { id: H.id });
    expect(result.errors).toBeUndefined();
    expect(result.data!.case.contacts).toHaveLength(2);
    const audit = await auditOf(caller.subject);
    expect(audit).toHaveLength(3);
    expect(audit.find((r) => r.person_id === H.personId)).toEqual(
      expect.objectContaining({ role: 'province_official', jurisdiction: ['79'], fields: ['case'], masked_fields: [], operation_name: 'CaseOverview', purpose: 'case-follow-up', outcome: 'ALLOWED' }),
    );
    expect(audit.filter((r) => r.fields.join() === 'contact' && r.outcome === 'ALLOWED').map((r) => r.person_id).sort()).toEqual([people.in79, people.in01].sort());
  });

  itWithPostgres('a refused single read is DENIED; rows a list leaves out leave no record', async () => {
    const caller = as('province_official', { jurisdiction: ['79'] });
    const refused = await run(caller, `query($id: ID!) { case(id: $id) { id } }`, { id: K.id });
    expect(refused.data!.case).toBeNull();
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(await auditOf(caller.subject)).toEqual([expect.objectContaining({ person_id: K.personId, fields: ['case'], outcome: 'DENIED' })]);

    const other = as('province_official', { jurisdiction: ['79'] });
    const list = await run(other, `{ cases(limit: 1000) { id } }`);
    expect(list.data!.cases).toEqual([{ id: H.id }]);
    expect((await auditOf(other.subject)).map((r) => [r.person_id, r.fields, r.outcome])).toEqual([[H.personId, ['case'], 'ALLOWED']]);
    // Province 24 has no link to H: its list leaves H out (no record), its read by id is refused (DENIED).
    const of24 = as('province_official', { jurisdiction: ['24'] });
    expect((await run(of24, `{ cases(limit: 1000) { id } }`)).data!.cases).toEqual([]);
    expect(await auditOf(of24.subject)).toEqual([]);
    const denied = await run(of24, `query($id: ID!) { case(id: $id) { id } }`, { id: H.id });
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    expect((await auditOf(of24.subject)).map((r) => [r.person_id, r.outcome])).toEqual([[H.personId, 'DENIED']]);
  });

  itWithPostgres('Person.cases and Person.contactStatus: one merged record per person, even when nothing is visible', async () => {
    const caller = as('province_official', { jurisdiction: ['79'] });
    const nobody = randomUUID();
    const result = await run(
      caller,
      `query($r: [_Any!]!, $h: ID!) { case(id: $h) { id } _entities(representations: $r) { ... on Person { id cases { id } contactStatus } } }`,
      { r: [H.personId, nobody].map((id) => ({ __typename: 'Person', id })), h: H.id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      { id: H.personId, cases: [{ id: H.id }], contactStatus: 'F0' },
      { id: nobody, cases: [], contactStatus: 'NONE' },
    ]);
    const audit = await auditOf(caller.subject);
    expect(audit.map((r) => [r.person_id, r.fields, r.outcome]).sort()).toEqual(
      [
        [H.personId, ['case', 'cases', 'contactStatus'], 'ALLOWED'],
        [nobody, ['cases', 'contactStatus'], 'ALLOWED'],
      ].sort(),
    );
  });

  itWithPostgres('the tracing worker (service) is audited too, with its purpose', async () => {
    const worker = as('service', { subject: `tracing-worker-${randomUUID()}`, purpose: 'contact-tracing' });
    const [contactId] = (await repos.contacts.byCaseIds([H.id])).filter((c) => c.personId === people.in01).map((c) => c.id);
    const result = await run(worker, `query WorkerRead($id: ID!) { contact(id: $id) { id case { id } } }`, { id: contactId });
    expect(result.errors).toBeUndefined();
    expect((await auditOf(worker.subject)).map((r) => [r.role, r.jurisdiction, r.purpose, r.operation_name, r.person_id, r.fields, r.outcome]).sort()).toEqual(
      [
        ['service', ['all'], 'contact-tracing', 'WorkerRead', H.personId, ['case'], 'ALLOWED'],
        ['service', ['all'], 'contact-tracing', 'WorkerRead', people.in01, ['contact'], 'ALLOWED'],
      ].sort(),
    );
  });

  itWithPostgres("confirmCase's answer is a read of the case", async () => {
    const caller = as('province_official', { jurisdiction: ['79'] });
    const personId = randomUUID();
    const result = await run(
      caller,
      `mutation Confirm($input: ConfirmCaseInput!) { confirmCase(input: $input) { __typename ... on CaseConfirmed { case { id } } } }`,
      { input: { id: randomUUID(), personId, province: '79', confirmedAt: new Date(Date.now() - HOUR).toISOString() } },
    );
    expect(result.data!.confirmCase.__typename).toBe('CaseConfirmed');
    expect(await auditOf(caller.subject)).toEqual([expect.objectContaining({ person_id: personId, fields: ['case'], outcome: 'ALLOWED', operation_name: 'Confirm' })]);
  });

  itWithPostgres('healthAuditTrail: national officials, and province officials who may see the person, with audit:read; others FORBIDDEN', async () => {
    const TRAIL = `query($id: ID!) { healthAuditTrail(personId: $id, limit: 500) { subject role jurisdiction personId fields operationName purpose at outcome } }`;
    const reader = as('province_official', { jurisdiction: ['31'] });
    await run(reader, `query Peek($id: ID!) { case(id: $id) { id } }`, { id: H.id });
    const national = await run(as('national_official', { scopes: ['audit:read'] }), TRAIL, { id: H.personId });
    expect(national.errors).toBeUndefined();
    expect(national.data!.healthAuditTrail).toContainEqual({
      subject: reader.subject,
      role: 'province_official',
      jurisdiction: ['31'],
      personId: H.personId,
      fields: ['case'],
      operationName: 'Peek',
      purpose: null,
      at: expect.any(String),
      outcome: 'DENIED',
    });
    // Province 01 sees H through its contact living there; province 31 sees nothing of H.
    expect((await run(as('province_official', { jurisdiction: ['01'], scopes: ['audit:read'] }), TRAIL, { id: H.personId })).errors).toBeUndefined();
    for (const caller of [
      as('province_official', { jurisdiction: ['31'], scopes: ['audit:read'] }),
      as('province_official', { jurisdiction: ['79'] }),
      as('tracer', { jurisdiction: ['79'], scopes: ['audit:read'] }),
      as('service', { scopes: ['audit:read'] }),
    ]) {
      const refused = await run(caller, TRAIL, { id: H.personId });
      expect(refused.data?.healthAuditTrail ?? null, caller.subject).toBeNull();
      expect(codes(refused), caller.subject).toEqual(['FORBIDDEN']);
    }
    expect(codes(await run(as('national_official', { scopes: ['audit:read'] }), TRAIL.replace('500', '0'), { id: H.personId }))).toEqual(['BAD_USER_INPUT']);
  });

  itWithPostgres('a failed audit write: no data, only AUDIT_UNAVAILABLE; with trust off (benchmark baseline) nothing is written', async () => {
    await database.sql`alter table audit_records rename to audit_records_away`;
    try {
      const result = await run(as('national_official'), `query($id: ID!) { case(id: $id) { id confirmedAt } }`, { id: H.id });
      expect(result.data ?? null).toBeNull();
      expect(codes(result)).toEqual(['AUDIT_UNAVAILABLE']);
      expect(JSON.stringify(result)).not.toContain(H.id);
    } finally {
      await database.sql`alter table audit_records_away rename to audit_records`;
    }
    const baseline = trustOff(tracingModule).build(database.db, config);
    const baselineService = await buildSubgraphService(baseline, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
    try {
      const caller = as('national_official');
      const result = await run(caller, `query($id: ID!) { case(id: $id) { id } }`, { id: H.id }, baseline, baselineService);
      expect(result.data!.case).toEqual({ id: H.id });
      expect(await auditOf(caller.subject)).toEqual([]);
    } finally {
      await baselineService.stop();
    }
  });
});
