import { randomUUID } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import { checkinsModule } from '../../subgraphs/checkins/server.ts';
import { seedCheckinsDemo } from '../../subgraphs/checkins/seed.ts';
import { DEMO_PEOPLE, DEMO_VENUES } from '../../subgraphs/shared/demo.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { callers, codes, executeAs, type AuditRow } from '../support/subgraph.ts';
import { trustOff } from '../bench/trust-off.ts';

const config = { nationalIdKey: 'n'.repeat(40), logger: createLogger('test', 'silent') };
const { an: AN, binh: BINH, chau: CHAU, dung: DUNG, ha: HA, long: LONG } = DEMO_PEOPLE;
const { benThanhMarket: BEN_THANH, hoanKiemRestaurant: HO_GUOM } = DEMO_VENUES;


const reps = (...ids: string[]) => ids.map((id) => ({ __typename: 'Person', id }));

/**
 * The audit of reads of people's movements in the checkins subgraph (audit.ts), over GraphQL, on
 * the demo check-ins: Chợ Bến Thành (79): An, Bình, Châu and Long; Nhà hàng Hồ Gươm (01): Châu and
 * Dũng; Siêu thị Kinh Bắc (24): Hà alone.
 */
describe('checkins subgraph: every read of check-ins and exposures is audited', () => {
  let database: TestDatabase<typeof checkinsModule.tables>;
  let definition: SubgraphDefinition<BaseContext>;
  let service: SubgraphService;
  /** Each test reads as its own caller, so its audit records are its own. */
  const as = callers();

  const run = (identity: Identity, query: string, variables: Record<string, unknown> = {}, on = definition, through = service) =>
    executeAs(through, on, identity, query, variables);
  const auditOf = (subject: string) => database.sql<AuditRow[]>`select * from audit_records where subject = ${subject} order by id`;
  /** person → fields, for comparing a request's records whatever their order. */
  const byPerson = (rows: AuditRow[]) => Object.fromEntries(rows.map((r) => [r.person_id, r.fields]));

  beforeAll(async () => {
    database = await createTestDatabase(checkinsModule, 'checkinsaudit');
    await seedCheckinsDemo(database.db, new Date());
    definition = checkinsModule.build(database.db, config);
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
  });
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  itWithPostgres('Person.checkIns: an ALLOWED record for each person whose check-ins came back, with who, role, jurisdiction, operation and purpose', async () => {
    const caller = as('province_official', { jurisdiction: ['79'], purpose: 'case-follow-up' });
    const nobody = randomUUID();
    const result = await run(caller, `query Movements__checkins__0($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id checkIns { id } } } }`, {
      r: reps(AN.id, CHAU.id, HA.id, nobody),
    });
    expect(result.errors).toBeUndefined();
    // Hà was only at a venue in 24: nothing of hers came back, so she was not read.
    expect(result.data!._entities.map((p: any) => p.checkIns.length)).toEqual([1, 1, 0, 0]);
    const audit = await auditOf(caller.subject);
    expect(audit).toHaveLength(2);
    for (const person of [AN.id, CHAU.id]) {
      expect(audit.find((r) => r.person_id === person)).toEqual(
        expect.objectContaining({
          role: 'province_official',
          jurisdiction: ['79'],
          fields: ['checkIns'],
          masked_fields: [],
          operation_name: 'Movements',
          purpose: 'case-follow-up',
          outcome: 'ALLOWED',
          reason: null,
          break_glass_grant_id: null,
        }),
      );
    }
  });

  itWithPostgres('Person.exposures: the person asked about and each contact returned; merged with checkIns into one record per person', async () => {
    const caller = as('province_official', { jurisdiction: ['79'] });
    const result = await run(caller, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { checkIns { id } exposures { contact { id } } } } }`, { r: reps(AN.id, HA.id) });
    expect(result.errors).toBeUndefined();
    const [an, ha] = result.data!._entities;
    expect(an.exposures.map((e: any) => e.contact.id).sort()).toEqual([BINH.id, CHAU.id].sort());
    expect(ha).toEqual({ checkIns: [], exposures: [] });
    const audit = await auditOf(caller.subject);
    expect(audit).toHaveLength(3);
    // Long was at the market after An left, Dũng only in 01, Hà only in 24: none of them is recorded.
    expect(byPerson(audit)).toEqual({ [AN.id]: ['checkIns', 'exposures'], [BINH.id]: ['exposures'], [CHAU.id]: ['exposures'] });
    expect(audit.every((r) => r.outcome === 'ALLOWED')).toBe(true);
  });

  itWithPostgres('exposuresOf: every subject and contact in the returned rows, only at venues of the jurisdiction', async () => {
    const of01 = as('province_official', { jurisdiction: ['01'] });
    const result = await run(of01, `query Hanoi($ids: [ID!]!) { exposuresOf(personIds: $ids) { venue { id } } }`, { ids: [CHAU.id, HA.id] });
    expect(result.errors).toBeUndefined();
    expect(result.data!.exposuresOf).toEqual([{ venue: { id: HO_GUOM.id } }]);
    // Châu's exposures at the market in 79 were left out: An, Bình and Long are not recorded.
    expect(byPerson(await auditOf(of01.subject))).toEqual({ [CHAU.id]: ['exposures'], [DUNG.id]: ['exposures'] });

    const national = as('national_official');
    const all = await run(national, `query($ids: [ID!]!) { exposuresOf(personIds: $ids) { contact { id } } }`, { ids: [CHAU.id] });
    expect(all.data!.exposuresOf).toHaveLength(4);
    expect(Object.keys(byPerson(await auditOf(national.subject))).sort()).toEqual([AN.id, BINH.id, CHAU.id, DUNG.id, LONG.id].sort());
  });

  itWithPostgres('firstContactsOf: every subject and contact in the returned rows', async () => {
    const caller = as('province_official', { jurisdiction: ['79'] });
    const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const result = await run(caller, `query($people: [ExposureSubjectInput!]!) { firstContactsOf(people: $people) { checkIn { person { id } } contact { id } } }`, {
      people: [{ personId: AN.id, from: since }, { personId: HA.id, from: since }],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.firstContactsOf.map((e: any) => e.contact.id).sort()).toEqual([BINH.id, CHAU.id].sort());
    expect(byPerson(await auditOf(caller.subject))).toEqual({ [AN.id]: ['exposures'], [BINH.id]: ['exposures'], [CHAU.id]: ['exposures'] });
  });

  itWithPostgres('Venue.checkIns: each person in the returned rows; a venue outside the jurisdiction answers [] and records nobody', async () => {
    const of01 = as('province_official', { jurisdiction: ['01'] });
    const QUERY = `query Visits($v: ID!) { venue(id: $v) { checkIns { person { id } } } }`;
    const result = await run(of01, QUERY, { v: HO_GUOM.id });
    expect(result.data!.venue.checkIns.map((c: any) => c.person.id).sort()).toEqual([CHAU.id, DUNG.id].sort());
    expect(byPerson(await auditOf(of01.subject))).toEqual({ [CHAU.id]: ['checkIns'], [DUNG.id]: ['checkIns'] });

    const of24 = as('province_official', { jurisdiction: ['24'] });
    expect((await run(of24, QUERY, { v: BEN_THANH.id })).data!.venue.checkIns).toEqual([]);
    expect(await auditOf(of24.subject)).toEqual([]);
  });

  itWithPostgres('the tracing worker (service) is audited too, with its purpose', async () => {
    const worker = as('service', { subject: `tracing-worker-${randomUUID()}`, purpose: 'contact-tracing' });
    const result = await run(worker, `query TracingRun__checkins__1($ids: [ID!]!) { exposuresOf(personIds: $ids) { contact { id } } }`, { ids: [DUNG.id] });
    expect(result.data!.exposuresOf).toEqual([{ contact: { id: CHAU.id } }]);
    expect((await auditOf(worker.subject)).map((r) => [r.role, r.jurisdiction, r.purpose, r.operation_name, r.person_id, r.fields, r.outcome]).sort()).toEqual(
      [
        ['service', ['all'], 'contact-tracing', 'TracingRun', CHAU.id, ['exposures'], 'ALLOWED'],
        ['service', ['all'], 'contact-tracing', 'TracingRun', DUNG.id, ['exposures'], 'ALLOWED'],
      ].sort(),
    );
  });

  itWithPostgres("a mutation's answer (the check-in just written) is not a read: no record", async () => {
    const partner = as('partner', { jurisdiction: ['79'], scopes: ['checkins:write'] });
    const personId = randomUUID();
    const result = await run(
      partner,
      `mutation Scan($id: ID!, $qr: String!, $p: ID!) { checkIn(id: $id, qrCode: $qr, personId: $p) { __typename ... on CheckInRecorded { checkIn { id person { id } venue { id } checkedInAt } } } }`,
      { id: randomUUID(), qr: BEN_THANH.qrCode, p: personId },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.checkIn.checkIn.person).toEqual({ id: personId });
    expect(await auditOf(partner.subject)).toEqual([]);
  });

  itWithPostgres('recording adds no SQL per person: one statement per loader and ONE audit INSERT for the request', async () => {
    const statements: string[] = [];
    const client = postgres(database.url, { max: 2, onnotice: () => {}, debug: (_connection, query) => statements.push(query) });
    const counted = checkinsModule.build(drizzle(client, { schema: tables }), config);
    const countedService = await buildSubgraphService(counted, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
    try {
      const caller = as('national_official');
      const everyone = [AN, BINH, CHAU, DUNG, HA, LONG].map((p) => p.id);
      const result = await run(caller, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { checkIns { id } exposures { contact { id } } } } }`, { r: reps(...everyone) }, counted, countedService);
      expect(result.errors).toBeUndefined();
      expect(statements.filter((s) => /insert into "?audit_records"?/.test(s))).toHaveLength(1);
      expect(statements.filter((s) => /join check_ins o/.test(s))).toHaveLength(1);
      expect(statements.filter((s) => /from "check_ins"/.test(s))).toHaveLength(1);
      // Nothing else (postgres.js's per-connection type look-ups aside).
      expect(statements.filter((s) => !/pg_catalog\.pg_type/.test(s))).toHaveLength(3);
      // Everyone had check-ins; everyone but Hà had exposures.
      const audit = byPerson(await auditOf(caller.subject));
      expect(Object.keys(audit).sort()).toEqual([...everyone].sort());
      expect(audit[HA.id]).toEqual(['checkIns']);
      expect(audit[AN.id]).toEqual(['checkIns', 'exposures']);
    } finally {
      await countedService.stop();
      await client.end();
    }
  });

  itWithPostgres('a failed audit write: no data, only AUDIT_UNAVAILABLE; with trust off (benchmark baseline) nothing is written', async () => {
    const QUERY = `query($ids: [ID!]!, $v: ID!) { exposuresOf(personIds: $ids) { contact { id } } venue(id: $v) { name checkIns { person { id } } } }`;
    await database.sql`alter table audit_records rename to audit_records_away`;
    try {
      const result = await run(as('national_official'), QUERY, { ids: [DUNG.id], v: HO_GUOM.id });
      expect(result.data ?? null).toBeNull();
      expect(codes(result)).toEqual(['AUDIT_UNAVAILABLE']);
      expect(JSON.stringify(result)).not.toContain(CHAU.id);
      expect(JSON.stringify(result)).not.toContain(HO_GUOM.name);
    } finally {
      await database.sql`alter table audit_records_away rename to audit_records`;
    }
    const baseline = trustOff(checkinsModule).build(database.db, config);
    const baselineService = await buildSubgraphService(baseline, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
    try {
      const caller = as('national_official');
      const result = await run(caller, QUERY, { ids: [DUNG.id], v: HO_GUOM.id }, baseline, baselineService);
      expect(result.errors).toBeUndefined();
      expect(result.data!.exposuresOf).toEqual([{ contact: { id: CHAU.id } }]);
      expect(result.data!.venue.checkIns).toHaveLength(2);
      expect(await auditOf(caller.subject)).toEqual([]);
    } finally {
      await baselineService.stop();
    }
  });

  itWithPostgres('movementAuditTrail: national officials, and province officials who may see a check-in of the person, with audit:read; others FORBIDDEN', async () => {
    const TRAIL = `query($id: ID!) { movementAuditTrail(personId: $id, limit: 500) { subject role jurisdiction personId fields operationName purpose at outcome } }`;
    const reader = as('tracer', { jurisdiction: ['01'], purpose: 'contact-tracing' });
    await run(reader, `query Peek($v: ID!) { venue(id: $v) { checkIns { id } } }`, { v: HO_GUOM.id });

    const nationalCaller = as('national_official', { scopes: ['audit:read'] });
    const national = await run(nationalCaller, TRAIL, { id: DUNG.id });
    expect(national.errors).toBeUndefined();
    expect(national.data!.movementAuditTrail.filter((r: any) => r.subject === reader.subject)).toEqual([
      {
        subject: reader.subject,
        role: 'tracer',
        jurisdiction: ['01'],
        personId: DUNG.id,
        fields: ['checkIns'],
        operationName: 'Peek',
        purpose: 'contact-tracing',
        at: expect.any(String),
        outcome: 'ALLOWED',
      },
    ]);
    expect(national.data!.movementAuditTrail.every((r: any) => r.personId === DUNG.id)).toBe(true);
    // Reading the trail reads nobody's movements.
    expect(await auditOf(nationalCaller.subject)).toEqual([]);

    // Dũng (home 24) checked in at Hồ Gươm (01) only: officials of 01 may read his trail, of 24 and 79 not.
    expect((await run(as('province_official', { jurisdiction: ['01'], scopes: ['audit:read'] }), TRAIL, { id: DUNG.id })).errors).toBeUndefined();
    expect((await run(as('province_official', { jurisdiction: ['31', '01'], scopes: ['audit:read'] }), TRAIL, { id: DUNG.id })).errors).toBeUndefined();
    for (const [caller, person] of [
      [as('province_official', { jurisdiction: ['24'], scopes: ['audit:read'] }), DUNG.id],
      [as('province_official', { jurisdiction: ['79'], scopes: ['audit:read'] }), DUNG.id],
      [as('province_official', { jurisdiction: ['79'], scopes: ['audit:read'] }), randomUUID()],
      [as('province_official', { jurisdiction: ['01'] }), DUNG.id],
      [as('national_official'), DUNG.id],
      [as('tracer', { jurisdiction: ['01'], scopes: ['audit:read'] }), DUNG.id],
      [as('service', { scopes: ['audit:read'] }), DUNG.id],
      [as('citizen', { subject: DUNG.id, scopes: ['audit:read'] }), DUNG.id],
    ] as const) {
      const refused = await run(caller, TRAIL, { id: person });
      expect(refused.data?.movementAuditTrail ?? null, `${caller.subject} ${person}`).toBeNull();
      expect(codes(refused), caller.subject).toEqual(['FORBIDDEN']);
    }
    expect(codes(await run(nationalCaller, TRAIL.replace('500', '0'), { id: DUNG.id }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await run(nationalCaller, TRAIL, { id: 'not-a-uuid' }))).toEqual(['BAD_USER_INPUT']);
  });
});
