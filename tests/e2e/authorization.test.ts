import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import {
  buildSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  Kind,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { SCOPES } from '../../gateway/authorization/scopes.ts';
import { composeSupergraph, SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { defaultSubgraphUrl, schemaFile, SUBGRAPH_NAMES } from '../../subgraphs/catalog.ts';
import { DEMO_CASE, DEMO_PEOPLE, DEMO_VENUES } from '../../subgraphs/shared/demo.ts';
import { startTestHub, type GraphQLResponse, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

// Issue 5, item 2: @requiresScopes / @authenticated live in the subgraph SDL; @apollo/gateway is
// handed the supergraph without their `for: SECURITY` marker, so the gateway enforces them itself.
// These tests make sure that removing the marker never removes the protection: every field the
// supergraph protects is asked for, through the gateway, by a caller without the scope.

// ---------------------------------------------------------------------------------------------
// What the composed supergraph protects, read here independently of gateway/authorization.

const composed = composeSupergraph();
if (!composed.ok) throw new Error(composed.errors.join('\n'));
const SUPERGRAPH = composed.supergraphSdl;
/** The supergraph's types and fields (join__ and link__ definitions included; they are never on a path). */
const SCHEMA = buildSchema(SUPERGRAPH, { assumeValidSDL: true });

/** `[["a", "b"], ["c"]]`: (a and b) or c. */
type ScopeSets = string[][];

interface Protection {
  /** `Type.field`. */
  coordinate: string;
  /** Every applicable @requiresScopes (field, return type); each must hold. */
  scopes: ScopeSets[];
  authenticated: boolean;
  /** Where it comes from: the field's own directive, or its return type's. */
  via: string[];
}

function directivesOf(nodes: readonly ConstDirectiveNode[] | undefined): { scopes: ScopeSets[]; authenticated: boolean } {
  const scopes: ScopeSets[] = [];
  let authenticated = false;
  for (const directive of nodes ?? []) {
    if (directive.name.value === 'authenticated') authenticated = true;
    if (directive.name.value === 'requiresScopes') {
      const argument = directive.arguments?.find((a) => a.name.value === 'scopes');
      scopes.push(valueFromASTUntyped(argument!.value) as ScopeSets);
    }
  }
  return { scopes, authenticated };
}

/** Every field carrying @requiresScopes/@authenticated, and every field returning a type that carries one. */
function protectedFields(supergraph: string, schema: GraphQLSchema): Map<string, Protection> {
  const document = parse(supergraph);
  const typeProtection = new Map<string, { scopes: ScopeSets[]; authenticated: boolean }>();
  const result = new Map<string, Protection>();
  const add = (coordinate: string, found: { scopes: ScopeSets[]; authenticated: boolean }, via: string) => {
    if (found.scopes.length === 0 && !found.authenticated) return;
    const entry = result.get(coordinate) ?? { coordinate, scopes: [], authenticated: false, via: [] };
    entry.scopes.push(...found.scopes);
    entry.authenticated ||= found.authenticated;
    entry.via.push(via);
    result.set(coordinate, entry);
  };
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    if (definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
    const own = directivesOf(definition.directives as readonly ConstDirectiveNode[] | undefined);
    if (own.scopes.length || own.authenticated) typeProtection.set(definition.name.value, own);
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION) {
      for (const field of definition.fields ?? []) add(`${definition.name.value}.${field.name.value}`, directivesOf(field.directives), 'field');
    }
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const returned = getNamedType(field.type).name;
      const protection = typeProtection.get(returned);
      if (protection) add(`${type.name}.${field.name}`, protection, `type ${returned}`);
    }
  }
  return result;
}

const PROTECTED = protectedFields(SUPERGRAPH, SCHEMA);
const SCOPED = [...PROTECTED.values()].filter((p) => p.scopes.length > 0);
const AUTHENTICATED_ONLY = [...PROTECTED.values()].filter((p) => p.scopes.length === 0);
const ALL_SCOPES = [...new Set([...Object.keys(SCOPES), ...SCOPED.flatMap((p) => p.scopes.flat(2))])];

// ---------------------------------------------------------------------------------------------
// Queries that reach a field.

interface Step {
  parent: GraphQLObjectType | GraphQLInterfaceType;
  field: GraphQLField<unknown, unknown>;
  /** An inline fragment needed to reach `parent` from the previous field's abstract type. */
  typeCondition?: string;
}

const satisfiedBy = (protection: Protection | undefined, scopes: ReadonlySet<string>) =>
  !protection || protection.scopes.every((sets) => sets.some((set) => set.every((s) => scopes.has(s))));

/** The shortest path of fields from a root to `coordinate`, using only fields `scopes` may use (all, when null). */
function pathTo(coordinate: string, scopes: ReadonlySet<string> | null): Step[] | null {
  const [typeName, fieldName] = coordinate.split('.') as [string, string];
  const target = SCHEMA.getType(typeName) as GraphQLObjectType;
  const roots = [SCHEMA.getQueryType(), SCHEMA.getMutationType()].filter((t): t is GraphQLObjectType => t != null);
  for (const root of roots) {
    const queue: Array<{ type: GraphQLObjectType | GraphQLInterfaceType; steps: Step[] }> = [{ type: root, steps: [] }];
    const seen = new Set<string>([root.name]);
    while (queue.length) {
      const { type, steps } = queue.shift()!;
      if (type === target) return [...steps, { parent: type, field: target.getFields()[fieldName]!, ...conditionFor(steps, type) }];
      if (steps.length >= 5) continue;
      for (const field of Object.values(type.getFields())) {
        if (field.name.startsWith('_')) continue; // _entities, _service: not in the API schema
        if (scopes && !satisfiedBy(PROTECTED.get(`${type.name}.${field.name}`), scopes)) continue;
        const next = getNamedType(field.type);
        if (!isCompositeType(next)) continue;
        const possible = isAbstractType(next) ? SCHEMA.getPossibleTypes(next) : [next as GraphQLObjectType];
        for (const candidate of possible) {
          if (seen.has(candidate.name)) continue;
          seen.add(candidate.name);
          const step: Step = { parent: type, field, ...conditionFor(steps, type) };
          queue.push({ type: candidate, steps: [...steps, step] });
        }
      }
    }
  }
  return null;
}

/** The inline fragment that narrows the previous field's abstract type to `type`, if any. */
function conditionFor(steps: Step[], type: GraphQLObjectType | GraphQLInterfaceType): { typeCondition?: string } {
  const previous = steps.at(-1);
  if (!previous) return {};
  return isAbstractType(getNamedType(previous.field.type)) ? { typeCondition: type.name } : {};
}

/** A value for a required argument: the demo records where the argument names one, something well-formed otherwise. */
function placeholder(type: GraphQLInputType, name: string, owner: string): string {
  if (isNonNullType(type)) return placeholder(type.ofType, name, owner);
  if (isListType(type)) return `[${placeholder(type.ofType, name, owner)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{ ${fields.map((f) => `${f.name}: ${placeholder(f.type, f.name, type.name)}`).join(', ')} }`;
  }
  const scalar = isScalarType(type) ? type.name : 'String';
  if (scalar === 'Int') return '1';
  if (scalar === 'Boolean') return 'false';
  if (scalar === 'DateTime') return JSON.stringify(new Date(Date.now() - 3_600_000).toISOString());
  if (/^(province|provinceCode|code)$/.test(name)) return '"79"';
  if (name === 'wardCode') return '"26740"';
  if (name === 'qrCode') return JSON.stringify(DEMO_VENUES.benThanhMarket.qrCode);
  if (scalar === 'ID') {
    if (owner === 'person') return JSON.stringify(DEMO_PEOPLE.an.id);
    if (owner === 'case') return JSON.stringify(DEMO_CASE.id);
    if (owner === 'venue') return JSON.stringify(DEMO_VENUES.benThanhMarket.id);
    return '"00000000-0000-4000-8000-0000000000aa"';
  }
  return '"x"';
}

function argumentsOf(field: GraphQLField<unknown, unknown>): string {
  const required = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined);
  if (required.length === 0) return '';
  return `(${required.map((a) => `${a.name}: ${placeholder(a.type, a.name, field.name)}`).join(', ')})`;
}

/**
 * The operation that selects the last step's field. Every level also asks for `__typename`, so a
 * denied field leaves its parent in the answer (where the field must then be absent).
 */
function operationFor(steps: Step[], name: string): { text: string; responsePath: string[]; parentType: string | undefined } {
  const mutation = steps[0]!.parent.name === 'Mutation';
  let inner = '';
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    const leaf = i === steps.length - 1;
    const named = getNamedType(step.field.type);
    const selection = leaf ? (isCompositeType(named) ? ' { __typename }' : '') : ` { __typename ${inner} }`;
    const field = `${step.field.name}${argumentsOf(step.field)}${selection}`;
    inner = step.typeCondition ? `... on ${step.typeCondition} { ${field} }` : field;
  }
  return { text: `${mutation ? 'mutation' : 'query'} ${name} { __typename ${inner} }`, responsePath: steps.map((s) => s.field.name), parentType: steps.at(-1)!.typeCondition };
}

/** Every object the response holds at `path` (lists flattened; nulls, missing parents and other union members skipped). */
function parentsAt(data: unknown, path: string[], typeName?: string): Array<Record<string, unknown>> {
  let level: unknown[] = [data];
  for (const key of path) {
    level = level
      .filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object')
      .flatMap((v) => {
        const value = v[key];
        return Array.isArray(value) ? value : [value];
      });
  }
  return level
    .filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v))
    .filter((v) => !typeName || v.__typename === typeName);
}

const GATEWAY_DENIAL = /^Forbidden: (\S+) requires /;
const gatewayDenials = (response: GraphQLResponse) => (response.errors ?? []).filter((e) => GATEWAY_DENIAL.test(e.message));

/** One probe per protected field: the operation that reaches it, and the scopes that leave it out. */
const PROBES = SCOPED.map((protection) => {
  const needed = new Set(protection.scopes.flat(2));
  const lacking = ALL_SCOPES.filter((s) => !needed.has(s));
  const direct = pathTo(protection.coordinate, new Set(lacking));
  // Some fields can only be reached through a field the same scope protects: then that one goes.
  const steps = direct ?? pathTo(protection.coordinate, null);
  if (!steps) throw new Error(`no path to ${protection.coordinate}`);
  return { protection, needed: [...needed], lacking, guardedAbove: direct === null, ...operationFor(steps, `Probe_${protection.coordinate.replace('.', '_')}`) };
});

// Partners run registered operations only (gateway/trusted-documents.ts): the partner of this file
// registers every operation it sends.
const PARTNER = 'partner-scopes-test';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const PARTNER_OPERATIONS = {
  mixed: `query Mixed($venue: ID!, $person: ID!) { viewer { subject scopes } venue(id: $venue) { name } person(id: $person) { fullName } provinces { code } }`,
  upload: `mutation Upload($batch: [CheckInRecordInput!]!) { recordCheckIns(batch: $batch) { accepted duplicates rejected { code } } registerVenue(input: { name: "Quán mới", category: RESTAURANT, wardCode: "26740", provinceCode: "79", qrCode: "VN-79-NEW-0001" }) { __typename } }`,
  fragments: `query Fragments($id: ID!) { a: person(id: $id) { id ...Exposures } b: person(id: $id) { ... on Person { checkIns { id } } } } fragment Exposures on Person { exposures { overlapMinutes } }`,
  authenticatedOnly: `query AuthenticatedOnly { viewer { role } province(code: "79") { tracerTeams { name tracers { fullName } } } }`,
  provinces: `query Provinces { provinces { code } viewer { role } }`,
  venueByQr: `query VenueByQrX { venueByQr(qrCode: "x") { id } }`,
} as const;

function trustedDocuments(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-scopes-documents-'));
  const bodies = [...Object.values(PARTNER_OPERATIONS), ...PROBES.map((p) => p.text)];
  const operations = bodies.map((body) => {
    const operation = parse(body).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
    return { id: sha256(body), name: operation.name!.value, type: operation.operation, body };
  });
  writeFileSync(join(dir, `${PARTNER}.json`), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
  return dir;
}

// ---------------------------------------------------------------------------------------------

describe('gateway: scopes in the schema, enforced from the supergraph', () => {
  let hub: TestHub;
  let supergraphPath: string;

  /** A registered operation, sent by id as a partner with these scopes. */
  const asPartner = async (scopes: string[], body: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> => {
    const token = await hub.token({ subject: PARTNER, role: 'partner', scopes });
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(body) } }, variables }),
    });
    return { status: response.status, headers: response.headers, ...((await response.json()) as { data?: any; errors?: GraphQLResponse['errors'] }) };
  };

  beforeAll(async () => {
    supergraphPath = join(mkdtempSync(join(tmpdir(), 'hub-scopes-')), 'supergraph.graphql');
    copyFileSync(SUPERGRAPH_FILE, supergraphPath);
    hub = await startTestHub({ supergraphPath, seedDemo: true, trustedDocumentsDir: trustedDocuments() });
  });
  afterAll(() => hub?.stop());

  itWithPostgres('the committed supergraph is the composed one, and links both features for: SECURITY', () => {
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe(SUPERGRAPH);
    expect(SUPERGRAPH).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
    expect(SUPERGRAPH).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)');
  });

  itWithPostgres('protects at least the fields the issue names, and names no scope outside the catalogue', () => {
    const coordinates = new Set(SCOPED.map((p) => p.coordinate));
    for (const coordinate of [
      'Query.venue', 'Query.venueByQr', 'Mutation.registerVenue', 'Mutation.recordCheckIns', 'Mutation.checkIn', 'Mutation.checkOut',
      'Query.exposuresOf', 'Person.exposures', 'Person.checkIns', 'Mutation.confirmCase',
    ]) expect(coordinates, coordinate).toContain(coordinate);
    if (SCHEMA.getQueryType()!.getFields().auditTrail) expect(coordinates).toContain('Query.auditTrail');
    expect(SCOPED.flatMap((p) => p.scopes.flat(2)).filter((s) => !(s in SCOPES))).toEqual([]);
  });

  describe.each(PROBES.map((p) => [p.protection.coordinate, p] as const))('%s', (coordinate, probe) => {
    itWithPostgres('is never served to a caller without the scope, and served to one with it', async () => {
      const { text, responsePath, parentType, lacking, guardedAbove } = probe;
      const denied = await asPartner(lacking, text);
      const denials = gatewayDenials(denied);
      expect(denials.length, `${text}\n${JSON.stringify(denied)}`).toBeGreaterThan(0);
      for (const error of denials) expect(error.extensions).toMatchObject({ code: 'FORBIDDEN' });
      if (guardedAbove) {
        // The first field on the path that the partner may not use is the one removed.
        expect(responsePath.slice(0, denials[0]!.path!.length)).toEqual(denials[0]!.path);
      } else {
        expect(denials.map((e) => [e.path, GATEWAY_DENIAL.exec(e.message)?.[1]])).toContainEqual([responsePath, coordinate]);
      }
      // Absent from the answer, wherever its parent is; the rest of the operation ran.
      for (const parent of parentsAt(denied.data, responsePath.slice(0, -1))) expect(parent).not.toHaveProperty(responsePath.at(-1)!);
      expect(denied.data).toMatchObject({ __typename: text.startsWith('mutation') ? 'Mutation' : 'Query' });

      // With the scope (a national official has every scope): no denial, and the field is in the answer.
      const allowed = await hub.query(text);
      expect(gatewayDenials(allowed), JSON.stringify(allowed.errors)).toEqual([]);
      for (const parent of parentsAt(allowed.data, responsePath.slice(0, -1), parentType)) expect(parent).toHaveProperty(responsePath.at(-1)!);
      // Nor is a partner whose token grants the scope.
      const granted = await asPartner([...probe.needed, ...lacking], text);
      expect(gatewayDenials(granted), JSON.stringify(granted.errors)).toEqual([]);
    });
  });

  itWithPostgres('fields that only need an authenticated caller are served to any token (anonymous requests never reach them)', async () => {
    expect(AUTHENTICATED_ONLY.map((p) => p.coordinate)).toEqual(expect.arrayContaining(['Query.viewer', 'Province.tracerTeams']));
    const response = await asPartner([], PARTNER_OPERATIONS.authenticatedOnly);
    expect(response.data.viewer.role).toBe('partner');
    expect(response.data.province.tracerTeams).toEqual([{ name: 'Tổ truy vết số 1 – HCDC', tracers: null }]);
    // The gateway let the fields through; the tracers' names are refused by the province's own
    // jurisdiction (subgraphs/province/access.ts: only its officials and tracers see them).
    expect(response.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['province', 'tracerTeams', 0, 'tracers'], 'FORBIDDEN']]);
    expect(response.errors?.[0]?.message).not.toMatch(/requires the scope/);
    expect((await hub.query('{ viewer { role } }', {}, { token: null })).status).toBe(401);
  });

  itWithPostgres('a partner asking for an out-of-scope field gets the rest of the query and an error for that field', async () => {
    const response = await asPartner(['checkins:write'], PARTNER_OPERATIONS.mixed, { venue: DEMO_VENUES.benThanhMarket.id, person: DEMO_PEOPLE.an.id });
    expect(response.status).toBe(200);
    expect(response.data.viewer).toEqual({ subject: PARTNER, scopes: ['checkins:write'] });
    expect(response.data.provinces.length).toBe(34);
    expect(response.data).not.toHaveProperty('venue');
    expect(response.data).not.toHaveProperty('person');
    expect(response.errors?.map((e) => [e.path, e.extensions?.code, e.message])).toEqual([
      [['venue'], 'FORBIDDEN', 'Forbidden: Query.venue requires the scope venues:read; it was left out of the operation.'],
      [['person'], 'FORBIDDEN', 'Forbidden: Query.person requires the scope people:read; it was left out of the operation.'],
    ]);
    expect(JSON.stringify(response)).not.toContain('Bến Thành');
  });

  itWithPostgres('a partner with checkins:write uploads check-ins; a protected field in the same mutation is not run', async () => {
    const at = new Date(Date.now() - 600_000).toISOString();
    const response = await asPartner(['checkins:write'], PARTNER_OPERATIONS.upload, {
      batch: [{ id: '7a7a7a7a-0000-4000-8000-000000000001', qrCode: DEMO_VENUES.benThanhMarket.qrCode, personId: DEMO_PEOPLE.binh.id, checkedInAt: at }],
    });
    expect(response.data).toEqual({ recordCheckIns: { accepted: 1, duplicates: 0, rejected: [] } });
    expect(response.errors?.map((e) => e.path)).toEqual([['registerVenue']]);
    const venue = await hub.query('{ venueByQr(qrCode: "VN-79-NEW-0001") { id } }');
    expect(venue.data.venueByQr).toBeNull();
  });

  itWithPostgres('removes a denied field inside fragments, and the parent whose selection it empties', async () => {
    const response = await asPartner(['people:read'], PARTNER_OPERATIONS.fragments, { id: DEMO_PEOPLE.an.id });
    expect(response.data).toEqual({ a: { id: DEMO_PEOPLE.an.id } });
    expect(gatewayDenials(response).map((e) => [e.path, e.extensions?.code])).toEqual([
      [['a', 'exposures'], 'FORBIDDEN'],
      [['b', 'checkIns'], 'FORBIDDEN'],
    ]);
  });

  itWithPostgres('the tracing worker (role service) may use what it asks the graph for, and nothing it does not', async () => {
    const service = await hub.token({ subject: 'tracing-worker', role: 'service' });
    const worker = await hub.query(
      `query($ids: [ID!]!) {
         exposuresOf(personIds: $ids) { checkIn { person { id } } contact { id } venue { id } overlapMinutes }
         people(ids: $ids) { id residence { code } residenceProvince { code } }
       }`,
      { ids: [DEMO_PEOPLE.an.id] },
      { token: service },
    );
    expect(worker.errors).toBeUndefined();
    expect(worker.data.exposuresOf.length).toBeGreaterThan(0);
    expect(worker.data.people).toEqual([{ id: DEMO_PEOPLE.an.id, residence: { code: DEMO_PEOPLE.an.wardCode }, residenceProvince: { code: '79' } }]);
    // It reads test results (the health pass's inputs) but never the audit trails.
    const beyond = await hub.query('{ auditTrail(personId: "00000000-0000-4000-8000-000000000000") { id } }', {}, { token: service });
    expect(beyond.errors?.[0]?.message).toMatch(/^Forbidden: Query\.auditTrail requires the scope audit:read/);
  });

  itWithPostgres('keeps stripping the marker and enforcing the requirements when the supergraph file is reloaded', async () => {
    expect((await asPartner([], PARTNER_OPERATIONS.provinces)).errors).toBeUndefined();
    // A new supergraph in which `provinces` needs a scope: it links the features for: SECURITY
    // (as every composed supergraph does), so @apollo/gateway loads it only once stripped.
    const stricter = composeWith('units', (sdl) =>
      sdl
        .replace(/  provinces: \[Province!\]\n/, '  provinces: [Province!] @requiresScopes(scopes: [["units:read"]])\n')
        .replace('"@authenticated"]', '"@authenticated", "@requiresScopes"]'),
    );
    expect(stricter).toContain('for: SECURITY');
    expect(stricter).toContain('@requiresScopes(scopes: [["units:read"]])');
    writeFileSync(supergraphPath, stricter);
    await expect
      .poll(async () => (await asPartner([], PARTNER_OPERATIONS.provinces)).errors?.[0]?.message, { timeout: 10_000, interval: 200 })
      .toBe('Forbidden: Query.provinces requires the scope units:read; it was left out of the operation.');
    expect((await asPartner([], PARTNER_OPERATIONS.provinces)).data).toEqual({ viewer: { role: 'partner' } });
    expect((await asPartner(['units:read'], PARTNER_OPERATIONS.provinces)).data.provinces).toHaveLength(34);
    // Everything protected before still is.
    expect((await asPartner([], PARTNER_OPERATIONS.venueByQr)).errors?.[0]?.path).toEqual(['venueByQr']);

    copyFileSync(SUPERGRAPH_FILE, supergraphPath);
    await expect.poll(async () => (await asPartner([], PARTNER_OPERATIONS.provinces)).data?.provinces?.length, { timeout: 10_000, interval: 200 }).toBe(34);
  });
});

/** The supergraph composed with one subgraph's SDL edited. */
function composeWith(name: (typeof SUBGRAPH_NAMES)[number], edit: (sdl: string) => string): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((n) => {
      const sdl = readFileSync(schemaFile(n), 'utf8');
      return { name: n, url: defaultSubgraphUrl(n), typeDefs: parse(n === name ? edit(sdl) : sdl) };
    }),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}
