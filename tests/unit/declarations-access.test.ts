import { buildSchema, parse, type GraphQLResolveInfo, type OperationDefinitionNode, type FieldNode, Kind, type FragmentDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import {
  auditOutcome,
  breakGlassRefusal,
  decide,
  mask,
  mayListGrants,
  mayReadAuditTrail,
  PERSON_FIELDS,
  type Decision,
  type PersonField,
  type PersonRecord,
} from '../../subgraphs/declarations/access.ts';
import { AuditTrail, AuditWriter, clientOperationName, requestedPersonFields } from '../../subgraphs/declarations/audit.ts';
import type { AuditRepository, NewAuditRecord } from '../../subgraphs/shared/audit.ts';

const person: PersonRecord = {
  id: '0b6f3c1e-0000-4000-8000-000000000003',
  fullName: 'Lê Minh Châu',
  birthYear: 1978,
  phone: '0912000003',
  residenceWardCode: '00004',
  residenceProvinceCode: '01',
  createdAt: new Date('2025-07-01T00:00:00Z'),
};
const who = (patch: Partial<Identity>): Identity => ({ subject: 'u', role: 'citizen', jurisdiction: [], scopes: [], purpose: null, ...patch });
const visibleOf = (d: Decision): PersonField[] | 'DENIED' => (d.outcome === 'DENIED' ? 'DENIED' : PERSON_FIELDS.filter((f) => d.visible.has(f)));
const ALL = [...PERSON_FIELDS];
const grant = { id: 'g1', reason: 'F1 of a case in our province' };

describe('the person access policy', () => {
  const rows: Array<[string, Identity, PersonField[] | 'DENIED', typeof grant | null]> = [
    ['national official: everything', who({ role: 'national_official', jurisdiction: 'all' }), ALL, null],
    ['service: everything', who({ role: 'service', jurisdiction: 'all' }), ALL, null],
    ['province official of the residence province: everything', who({ role: 'province_official', jurisdiction: ['79', '01'] }), ALL, null],
    ['province official of another province: denied', who({ role: 'province_official', jurisdiction: ['79'] }), 'DENIED', null],
    ['province official of another province with an active grant: everything', who({ role: 'province_official', jurisdiction: ['79'] }), ALL, grant],
    ['tracer of the ward: everything', who({ role: 'tracer', jurisdiction: ['01'], wards: ['00004'] }), ALL, null],
    ['tracer of the province, another ward: no phone, no declarations', who({ role: 'tracer', jurisdiction: ['01'], wards: ['00070'] }), ['fullName', 'birthYear', 'residence', 'residenceProvince', 'registeredAt'], null],
    ['tracer of the province without wards: no phone, no declarations', who({ role: 'tracer', jurisdiction: ['01'] }), ['fullName', 'birthYear', 'residence', 'residenceProvince', 'registeredAt'], null],
    ['tracer of another province: denied', who({ role: 'tracer', jurisdiction: ['79'], wards: ['26740'] }), 'DENIED', null],
    ['a grant does nothing for a tracer', who({ role: 'tracer', jurisdiction: ['79'] }), 'DENIED', grant],
    ['partner with people:read: residence province only', who({ role: 'partner', scopes: ['people:read'] }), ['residenceProvince'], null],
    ['partner without people:read: denied', who({ role: 'partner', scopes: ['checkins:write'] }), 'DENIED', null],
    ['citizen, themselves: everything', who({ role: 'citizen', subject: person.id }), ALL, null],
    ['citizen, someone else: denied', who({ role: 'citizen', subject: 'someone-else' }), 'DENIED', null],
  ];
  it.each(rows)('%s', (_name, identity, expected, activeGrant) => {
    expect(visibleOf(decide(identity, person, activeGrant))).toEqual(expected);
  });

  it('masks what may not be seen, and keeps the id', () => {
    const view = mask(person, new Set<PersonField>(['residenceProvince']));
    expect(view).toMatchObject({ id: person.id, fullName: null, birthYear: null, phone: null, residenceWardCode: null, residenceProvinceCode: '01', createdAt: null });
  });

  it('audits ALLOWED, MASKED or DENIED by what was asked for', () => {
    const tracer = decide(who({ role: 'tracer', jurisdiction: ['01'] }), person, null);
    expect(auditOutcome(tracer, ['fullName', 'residence'])).toEqual({ outcome: 'ALLOWED', masked: [] });
    expect(auditOutcome(tracer, ['fullName', 'phone', 'declarations'])).toEqual({ outcome: 'MASKED', masked: ['phone', 'declarations'] });
    expect(auditOutcome(decide(who({ role: 'citizen' }), person, null), ['fullName'])).toEqual({ outcome: 'DENIED', masked: [] });
  });

  it('never names the person or their province in a refusal', () => {
    for (const identity of [who({ role: 'province_official', jurisdiction: ['79'] }), who({ role: 'tracer', jurisdiction: ['79'] }), who({ role: 'partner' }), who({ role: 'citizen' })]) {
      const decision = decide(identity, person, null);
      expect(decision.outcome).toBe('DENIED');
      if (decision.outcome === 'DENIED') expect(decision.why).not.toMatch(/Châu|0912000003|\b01\b/);
    }
  });

  it('lets only national officials and officials of the province, with audit:read, read an audit trail', () => {
    expect(mayReadAuditTrail(who({ role: 'national_official', jurisdiction: 'all', scopes: ['audit:read'] }), '01')).toBe(true);
    expect(mayReadAuditTrail(who({ role: 'national_official', jurisdiction: 'all' }), '01')).toBe(false);
    expect(mayReadAuditTrail(who({ role: 'province_official', jurisdiction: ['01'], scopes: ['audit:read'] }), '01')).toBe(true);
    expect(mayReadAuditTrail(who({ role: 'province_official', jurisdiction: ['79'], scopes: ['audit:read'] }), '01')).toBe(false);
    expect(mayReadAuditTrail(who({ role: 'tracer', jurisdiction: ['01'], scopes: ['audit:read'] }), '01')).toBe(false);
    expect(mayReadAuditTrail(who({ role: 'partner', scopes: ['audit:read'] }), '01')).toBe(false);
  });

  it("lets a province's officials and national officials list its grants", () => {
    expect(mayListGrants(who({ role: 'province_official', jurisdiction: ['01'] }), '01')).toBe(true);
    expect(mayListGrants(who({ role: 'province_official', jurisdiction: ['79'] }), '01')).toBe(false);
    expect(mayListGrants(who({ role: 'national_official', jurisdiction: 'all' }), '01')).toBe(true);
    expect(mayListGrants(who({ role: 'tracer', jurisdiction: ['01'] }), '01')).toBe(false);
  });

  it('opens a record by break-the-glass only for a province official, outside their jurisdiction, with a reason', () => {
    const official = who({ role: 'province_official', jurisdiction: ['79'] });
    const reason = 'F1 of a case confirmed in our province';
    expect(breakGlassRefusal(official, person, reason)).toBeNull();
    expect(breakGlassRefusal(who({ role: 'national_official', jurisdiction: 'all' }), person, reason)).toBe('ROLE_NOT_ALLOWED');
    expect(breakGlassRefusal(who({ role: 'tracer', jurisdiction: ['79'] }), person, reason)).toBe('ROLE_NOT_ALLOWED');
    expect(breakGlassRefusal(who({ role: 'province_official', jurisdiction: ['01'] }), person, reason)).toBe('WITHIN_JURISDICTION');
    expect(breakGlassRefusal(official, null, reason)).toBe('PERSON_NOT_FOUND');
    expect(breakGlassRefusal(official, person, '   short   ')).toBe('INVALID_REASON');
    expect(breakGlassRefusal(official, person, 'x'.repeat(501))).toBe('INVALID_REASON');
    expect(breakGlassRefusal(official, person, 'ễ'.repeat(500))).toBeNull();
  });
});

describe('audit bookkeeping', () => {
  it('merges reads of one person in a request into one record: fields united, the strictest outcome kept', () => {
    const trail = new AuditTrail();
    trail.record('p1', 'ALLOWED', ['fullName'], [], null);
    trail.record('p1', 'MASKED', ['phone', 'fullName'], ['phone'], null);
    trail.record('p2', 'DENIED', ['fullName'], [], null);
    const identity = who({ role: 'tracer', subject: 't1', jurisdiction: ['79'], purpose: 'contact-tracing' });
    const at = new Date();
    const rows = trail.drain({ identity, operationName: 'PersonOverview', at });
    expect(rows).toEqual([
      { subject: 't1', role: 'tracer', jurisdiction: ['79'], personId: 'p1', fields: ['fullName', 'phone'], maskedFields: ['phone'], operationName: 'PersonOverview', purpose: 'contact-tracing', at, outcome: 'MASKED', reason: null, breakGlassGrantId: null },
      { subject: 't1', role: 'tracer', jurisdiction: ['79'], personId: 'p2', fields: ['fullName'], maskedFields: [], operationName: 'PersonOverview', purpose: 'contact-tracing', at, outcome: 'DENIED', reason: null, breakGlassGrantId: null },
    ]);
    expect(trail.size).toBe(0);
  });

  it('writes the records of requests that finish together in one INSERT, and fails them all together', async () => {
    const inserts: number[] = [];
    let fail = false;
    const repository = {
      append: async (rows: readonly NewAuditRecord[]) => {
        inserts.push(rows.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (fail) throw new Error('audit table gone');
      },
    } as unknown as AuditRepository;
    const writer = new AuditWriter(repository);
    const rows = (n: number) => Array.from({ length: n }, () => ({}) as NewAuditRecord);
    // Requests that finish in the same turn of the event loop share one INSERT; those that finish
    // while it is in flight share the next one.
    const together = [writer.write(rows(1)), writer.write(rows(2))];
    await new Promise((resolve) => setImmediate(resolve));
    const later = [writer.write(rows(1)), writer.write(rows(3))];
    await Promise.all([...together, ...later]);
    expect(inserts).toEqual([3, 4]);
    // A crowd's records are not held for the turn: they go alone, and what finishes meanwhile waits for the next.
    await Promise.all([writer.write(rows(150)), writer.write(rows(1))]);
    expect(inserts.slice(2)).toEqual([150, 1]);

    fail = true;
    const failing = [writer.write(rows(1)), writer.write(rows(1))];
    const results = await Promise.allSettled(failing);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await writer.write(rows(1)); // the writer recovers
  });

  it("says when a write's records are on their way: a crowd's once its batch is handed to the database, a request's few at once", async () => {
    const events: string[] = [];
    let release!: () => void;
    const repository = {
      append: async (rows: readonly NewAuditRecord[], onSent?: () => void) => {
        events.push(`append ${rows.length}`);
        onSent?.();
        if (rows.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
    } as unknown as AuditRepository;
    const writer = new AuditWriter(repository);
    const rows = (n: number) => Array.from({ length: n }, () => ({}) as NewAuditRecord);
    const first = writer.write(rows(1), () => events.push('few sent'));
    expect(events).toEqual(['few sent']); // before its INSERT, which leaves later in this turn
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['few sent', 'append 1']);
    // A crowd behind a batch in flight is on its way only once that batch is stored and its own is sent.
    const crowd = writer.write(rows(150), () => events.push('crowd sent'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['few sent', 'append 1']);
    release();
    await Promise.all([first, crowd]);
    expect(events).toEqual(['few sent', 'append 1', 'append 150', 'crowd sent']);
  });

  it("keeps the client's part of the gateway's operation names", () => {
    expect(clientOperationName('PersonOverview__declarations__0')).toBe('PersonOverview');
    expect(clientOperationName('PersonOverview__declarations__12')).toBe('PersonOverview');
    expect(clientOperationName('Direct')).toBe('Direct');
    expect(clientOperationName(undefined)).toBeNull();
  });

  it('reads the asked-for Person fields from a selection: fields, inline fragments, named fragments, entities', () => {
    const schema = buildSchema(/* GraphQL */ `
      type Person { id: ID! fullName: String phone: String birthYear: Int declarations: [String] }
      type Query { person: Person }
    `);
    const document = parse(/* GraphQL */ `
      query { person { id __typename fullName ... on Person { phone } ...More } }
      fragment More on Person { declarations }
      fragment Other on Query { person { birthYear } }
    `);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const fragments = Object.fromEntries(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    const info = { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments, schema } as unknown as GraphQLResolveInfo;
    expect(requestedPersonFields(info)).toEqual(['fullName', 'phone', 'declarations']);
  });
});
