import { parse, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type OperationDefinitionNode, Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AuditTrail, auditHooks, clientOperationName, type AuditSink, type NewAuditRecord } from '../../subgraphs/shared/audit.ts';
import { fieldSelector } from '../../subgraphs/shared/selection.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { mayReadHealthAuditTrail } from '../../subgraphs/tracing/access.ts';
import { HEALTH_STATUS_FIELDS, HealthAuditTrail } from '../../subgraphs/tracing/audit.ts';
import { isOnlyAuditedRead } from '../../subgraphs/checkins/audit.ts';

const who = (patch: Partial<Identity>): Identity => ({ subject: 'u', role: 'citizen', jurisdiction: [], scopes: [], purpose: null, ...patch });

describe('the shared audit trail', () => {
  it("merges a person's reads in a request into one record, in the subgraph's field order, the strictest outcome kept", () => {
    const trail = new HealthAuditTrail();
    trail.record('p1', 'ALLOWED', ['contactStatus']);
    trail.record('p1', 'DENIED', ['case']);
    trail.record('p1', 'ALLOWED', ['cases', 'case']);
    trail.record('p2', 'ALLOWED', ['contact']);
    const identity = who({ role: 'service', subject: 'tracing-worker', jurisdiction: 'all', purpose: 'contact-tracing' });
    const at = new Date();
    const base = { subject: 'tracing-worker', role: 'service', jurisdiction: ['all'], maskedFields: [], operationName: 'TraceCase', purpose: 'contact-tracing', at, reason: null, breakGlassGrantId: null };
    expect(trail.drain({ identity, operationName: 'TraceCase', at })).toEqual([
      { ...base, personId: 'p1', fields: ['case', 'cases', 'contactStatus'], outcome: 'DENIED' },
      { ...base, personId: 'p2', fields: ['contact'], outcome: 'ALLOWED' },
    ]);
    expect(trail.size).toBe(0);
    expect(HEALTH_STATUS_FIELDS).toEqual(['case', 'contact', 'cases', 'contactStatus']);
  });

  it('keeps a denial once recorded, and a grant once given', () => {
    const trail = new AuditTrail(['a', 'b'] as const);
    trail.record('p', 'DENIED', ['b']);
    trail.record('p', 'MASKED', ['a'], ['a'], { id: 'g', reason: 'why' });
    trail.record('p', 'ALLOWED', []);
    const [row] = trail.drain({ identity: who({ jurisdiction: ['79'] }), operationName: null, at: new Date(0) });
    expect(row).toMatchObject({ fields: ['a', 'b'], maskedFields: ['a'], outcome: 'DENIED', reason: 'why', breakGlassGrantId: 'g', jurisdiction: ['79'] });
  });

  it('refuses a field name outside the subgraph\'s list instead of dropping it from the record', () => {
    const trail = new AuditTrail<string>(['a', 'b']);
    expect(() => trail.record('p', 'ALLOWED', ['a', 'c'])).toThrow('"c" is not an audited field');
    trail.record('p', 'ALLOWED', ['b']);
    trail.record('q', 'MASKED', ['b', 'a'], ['b']);
    const rows = trail.drain({ identity: who({}), operationName: null, at: new Date(0) });
    expect(rows.map((r) => [r.personId, r.fields, r.maskedFields])).toEqual([['p', ['b'], []], ['q', ['a', 'b'], ['b']]]);
  });

  it("strips only the named subgraph's gateway suffix from operation names", () => {
    expect(clientOperationName('CaseOverview__tracing__3', 'tracing')).toBe('CaseOverview');
    expect(clientOperationName('CaseOverview__declarations__0', 'tracing')).toBe('CaseOverview__declarations__0');
    expect(clientOperationName('', 'tracing')).toBeNull();
    expect(clientOperationName(null, 'tracing')).toBeNull();
  });

  it("reads a type's audited fields from a selection, for any type", () => {
    const document = parse(/* GraphQL */ `
      query { person { id cases { id } ... on Person { contactStatus } ...F } }
      fragment F on Venue { cases }
    `);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const fragments = Object.fromEntries(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    const info = { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments } as unknown as GraphQLResolveInfo;
    expect(fieldSelector('Person', ['contactStatus', 'cases'] as const)(info)).toEqual(['contactStatus', 'cases']);
    expect(fieldSelector('Person', ['contact'] as const)(info)).toEqual([]);
  });

  it('the hooks write the records before the response leaves, and withholds the data when the write fails', async () => {
    const written: NewAuditRecord[][] = [];
    let fail = false;
    const sink: AuditSink = {
      append: async (rows) => {
        if (fail) throw new Error('audit table gone');
        written.push([...rows]);
      },
    };
    const hooks = auditHooks({ subgraph: 'tracing', repository: sink, now: () => new Date(0), logger: createLogger('test', 'silent') });
    const respond = async () => {
      const audit = new HealthAuditTrail();
      audit.record('p1', 'ALLOWED', ['case']);
      return hooks.willSendResponse!({ identity: who({ subject: 's' }), audit }, { data: { case: { id: 'c1' } } }, 'Case__tracing__0');
    };
    expect(await respond()).toEqual({ data: { case: { id: 'c1' } } });
    expect(written).toEqual([[expect.objectContaining({ subject: 's', personId: 'p1', fields: ['case'], operationName: 'Case', outcome: 'ALLOWED' })]]);
    fail = true;
    expect(await respond()).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'AUDIT_UNAVAILABLE' } })] });
    expect(written).toHaveLength(1);
    // The hooks' writer recovers after a failed batch.
    fail = false;
    expect(await respond()).toEqual({ data: { case: { id: 'c1' } } });
  });
});

describe("a request's records written early", () => {
  const identity = who({ subject: 's', role: 'service', jurisdiction: 'all' });
  const meta = (operationName: string) => ({ identity, operationName, at: new Date(0) });

  it('complete() starts the write at once and returns once it is on its way; settle() waits for it and writes what came after in a second statement', async () => {
    const calls: string[][] = [];
    let finish!: () => void;
    let sent!: () => void;
    const write = (rows: NewAuditRecord[], onSent?: () => void) => {
      calls.push(rows.map((r) => `${r.personId}:${r.fields.join('+')}`));
      if (calls.length > 1) return Promise.resolve();
      sent = onSent!;
      return new Promise<void>((resolve) => (finish = resolve));
    };
    const trail = new HealthAuditTrail();
    trail.complete(); // nothing to write, and no writer yet: a no-op
    trail.enableEarlyWrite(write, () => meta('Early'));
    trail.record('p1', 'ALLOWED', ['case']);
    trail.record('p2', 'ALLOWED', ['contact']);
    let completed = false;
    const completing = trail.complete().then(() => (completed = true));
    expect(calls).toEqual([['p1:case', 'p2:contact']]);
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(completed).toBe(false); // the answer is built only once the records have left
    sent();
    await completing;
    trail.record('p1', 'ALLOWED', ['cases']); // after complete(): not lost, written separately
    let settled = false;
    const settling = trail.settle(write, meta('Late')).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false); // the response waits for the early write
    finish();
    await settling;
    expect(calls).toEqual([['p1:case', 'p2:contact'], ['p1:cases']]);
  });

  it('a failed early write fails settle(), so the plugin withholds the data', async () => {
    const trail = new HealthAuditTrail();
    trail.enableEarlyWrite(() => Promise.reject(new Error('audit table gone')), () => meta('Early'));
    trail.record('p1', 'ALLOWED', ['case']);
    await trail.complete();
    await expect(trail.settle(() => Promise.resolve(), meta('Early'))).rejects.toThrow('audit table gone');
  });
});

describe('which reads may be written early', () => {
  const infoFor = (source: string) => {
    const document = parse(source);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const fragments = Object.fromEntries(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    const root = operation.selectionSet.selections[0] as FieldNode;
    return { operation, fragments, fieldNodes: [root], path: { prev: undefined, key: root.name.value } } as unknown as GraphQLResolveInfo;
  };

  it('only the single root field with no audited read below it', () => {
    expect(isOnlyAuditedRead(infoFor(`{ firstContactsOf(people: []) { checkIn { person { id } } contact { id } venue { id } } }`))).toBe(true);
    // Another root field, a nested read (directly or through a fragment), or the root in a fragment: written at the end.
    expect(isOnlyAuditedRead(infoFor(`{ exposuresOf(personIds: []) { contact { id } } venue(id: "v") { name } }`))).toBe(false);
    expect(isOnlyAuditedRead(infoFor(`{ exposuresOf(personIds: []) { contact { checkIns { id } } } }`))).toBe(false);
    expect(isOnlyAuditedRead(infoFor(`{ exposuresOf(personIds: []) { contact { ...C } } } fragment C on Person { exposures { overlapMinutes } }`))).toBe(false);
    const viaFragment = infoFor(`{ ...Q } fragment Q on Query { exposuresOf(personIds: []) { contact { id } } }`);
    expect(isOnlyAuditedRead({ ...viaFragment, fieldNodes: [(viaFragment.fragments.Q!.selectionSet.selections[0] as FieldNode)] })).toBe(false);
  });
});

describe('who may read a health audit trail', () => {
  it('national officials, and province officials who may see a case or contact of the person, with audit:read', () => {
    expect(mayReadHealthAuditTrail(who({ role: 'national_official', jurisdiction: 'all', scopes: ['audit:read'] }), false)).toBe(true);
    expect(mayReadHealthAuditTrail(who({ role: 'national_official', jurisdiction: 'all' }), true)).toBe(false);
    expect(mayReadHealthAuditTrail(who({ role: 'province_official', jurisdiction: ['01'], scopes: ['audit:read'] }), true)).toBe(true);
    expect(mayReadHealthAuditTrail(who({ role: 'province_official', jurisdiction: ['79'], scopes: ['audit:read'] }), false)).toBe(false);
    expect(mayReadHealthAuditTrail(who({ role: 'province_official', jurisdiction: ['01'] }), true)).toBe(false);
    expect(mayReadHealthAuditTrail(who({ role: 'tracer', jurisdiction: ['01'], scopes: ['audit:read'] }), true)).toBe(false);
    expect(mayReadHealthAuditTrail(who({ role: 'service', jurisdiction: 'all', scopes: ['audit:read'] }), true)).toBe(false);
    expect(mayReadHealthAuditTrail(who({ role: 'citizen', scopes: ['audit:read'] }), true)).toBe(false);
  });
});
