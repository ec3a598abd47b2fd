// The same graphql-js file as the gateway's (see subgraphs/shared/graphql.ts).
import { buildSchema, parse, print, type DocumentNode } from '../../subgraphs/shared/graphql.ts';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import { describe, expect, it } from 'vitest';
import {
  callerOf,
  denialError,
  describeRequirements,
  enforceSchemaRequirements,
  pruneOperation,
  readRequirements,
  ROLE_SCOPES,
  satisfies,
  supergraphForGateway,
  type Caller,
} from '../../gateway/authorization.ts';
import { formatGatewayError, type ErrorOrigin } from '../../gateway/limits/errors.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';

const LINKS = `
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
{ query: Query mutation: Mutation }
`;

/** A small supergraph-shaped document: the schema part is what pruning needs, the directives what extraction reads. */
const SDL = `
  type Query {
    venue(id: ID!): Venue @requiresScopes(scopes: [["venues:read"]])
    person(id: ID!): Person @requiresScopes(scopes: [["people:read"]])
    people: [Person!]! @requiresScopes(scopes: [["people:read"]])
    case(id: ID!): Case
    cases: [Case!]!
    node(id: ID!): Node
    result: Result
    me: String @authenticated
    provinces: [Province!]!
    both: String @requiresScopes(scopes: [["a", "b"], ["c"]])
  }
  type Mutation {
    checkIn(id: ID!): String @requiresScopes(scopes: [["checkins:write"]])
    ping: String
  }
  type Venue { id: ID! name: String! }
  type Person { id: ID! fullName: String exposures: [Exposure!]! @requiresScopes(scopes: [["exposures:read"]]) cases: [Case!]! }
  type Exposure { venue: Venue! minutes: Int! }
  type Case @requiresScopes(scopes: [["cases:read"]]) { id: ID! person: Person! }
  type Province { code: ID! name: String! tracer: Tracer }
  type Tracer @authenticated { name: String! }
  interface Node { id: ID! label: String }
  type PublicNode implements Node { id: ID! label: String }
  type SecretNode implements Node @requiresScopes(scopes: [["secret"]]) { id: ID! label: String }
  type GuardedNode implements Node { id: ID! label: String @requiresScopes(scopes: [["guarded"]]) }
  union Result = Venue | Case
`;
// The directive applications are not defined in this schema: graphql-js only needs the types.
const schema = buildSchema(SDL, { assumeValidSDL: true });
const requirements = readRequirements(`${LINKS}\n${SDL}`);

const partner = (...scopes: string[]): Caller => ({ authenticated: true, allScopes: false, scopes: new Set(scopes) });
const national: Caller = { authenticated: true, allScopes: true, scopes: new Set() };
const anonymous: Caller = { authenticated: false, allScopes: false, scopes: new Set() };

function prune(query: string, caller: Caller, operationName?: string) {
  const document = parse(query);
  const result = pruneOperation(schema, requirements, document, operationName, caller);
  return {
    ...result,
    input: document,
    printed: result.document ? print(result.document) : null,
    denied: result.denials.map((d) => `${d.path.join('.')} ${d.coordinate}`),
  };
}
/** A document printed the way graphql-js prints it, for comparisons. */
const canonical = (query: string) => print(parse(query));

describe('reading requirements from a supergraph', () => {
  it('reads field and type requirements under their linked names', () => {
    expect(requirements.fields.get('Query.venue')).toEqual({ authenticated: false, scopes: [[['venues:read']]] });
    expect(requirements.fields.get('Query.both')).toEqual({ authenticated: false, scopes: [[['a', 'b'], ['c']]] });
    expect(requirements.fields.get('Query.me')).toEqual({ authenticated: true, scopes: [] });
    expect(requirements.types.get('Case')).toEqual({ authenticated: false, scopes: [[['cases:read']]] });
    expect(requirements.types.get('Tracer')).toEqual({ authenticated: true, scopes: [] });
    expect(requirements.fields.has('Query.provinces')).toBe(false);
  });

  it('follows a link that renames the directives (as:, import:)', () => {
    const renamed = readRequirements(`
      schema
        @link(url: "https://specs.apollo.dev/link/v1.0")
        @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scopes", for: SECURITY)
        @link(url: "https://specs.apollo.dev/authenticated/v0.1", import: [{ name: "@authenticated", as: "@signedIn" }], for: SECURITY)
      { query: Query }
      type Query { a: String @scopes(scopes: [["x"]]) b: String @signedIn c: String @requiresScopes(scopes: [["ignored"]]) }
    `);
    expect(renamed.fields.get('Query.a')).toEqual({ authenticated: false, scopes: [[['x']]] });
    expect(renamed.fields.get('Query.b')).toEqual({ authenticated: true, scopes: [] });
    // Not the linked name: not this feature's directive.
    expect(renamed.fields.has('Query.c')).toBe(false);
  });

  it('reads nothing from a supergraph that does not link the features', () => {
    const none = readRequirements('schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query } type Query { a: String @requiresScopes(scopes: [["x"]]) }');
    expect(none.fields.size + none.types.size).toBe(0);
  });

  it('refuses a version of the features it does not know, and a malformed scopes argument', () => {
    expect(() => readRequirements('schema @link(url: "https://specs.apollo.dev/requiresScopes/v0.2", for: SECURITY) { query: Query } type Query { a: String }')).toThrow(/v0\.2/);
    expect(() => readRequirements(`${LINKS} type Query { a: String @requiresScopes(scopes: ["flat"]) }`)).toThrow(/Query\.a/);
  });
});

describe('the supergraph handed to @apollo/gateway', () => {
  const subgraph = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated", "@requiresScopes"])
    type Query { venue(id: ID!): Venue @requiresScopes(scopes: [["venues:read"]]) me: String @authenticated }
    type Venue @key(fields: "id") { id: ID! name: String! }
  `;
  const composed = composeServices([{ name: 'checkins', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(subgraph) as never }]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const supergraph = composed.supergraphSdl;

  it('composition links both features for: SECURITY and renders the applications under their own names', () => {
    expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)');
    expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
    expect(readRequirements(supergraph).fields.get('Query.venue')).toEqual({ authenticated: false, scopes: [[['venues:read']]] });
  });

  it('removes only the for: SECURITY marker of the enforced features; everything else stays as composed', () => {
    const stripped = supergraphForGateway(supergraph);
    expect(stripped).not.toContain('for: SECURITY');
    expect(stripped).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1")');
    expect(stripped).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1")');
    expect(stripped.replace(/, for: SECURITY/g, '')).toBe(supergraph.replace(/, for: SECURITY/g, ''));
    expect(stripped.length).toBe(supergraph.length - 2 * ', for: SECURITY'.length);
    // The requirements are still readable from what the gateway loads.
    expect(readRequirements(stripped)).toEqual(readRequirements(supergraph));
    // A marker written first, and a feature the gateway does not enforce (kept: @apollo/gateway refuses it).
    const reordered = supergraph.replace('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)', '@link(for: SECURITY, url: "https://specs.apollo.dev/authenticated/v0.1")');
    expect(supergraphForGateway(reordered)).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1")');
    const policy = supergraph.replace('@link(url: "https://specs.apollo.dev/link/v1.0")', '@link(url: "https://specs.apollo.dev/link/v1.0")\n  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)');
    expect(supergraphForGateway(policy)).toContain('@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)');
  });

  it('@apollo/gateway refuses the composed supergraph and loads the stripped one', async () => {
    const load = async (sdl: string) => {
      const gateway = new ApolloGateway({ supergraphSdl: sdl, logger: createLogger('test', 'silent') });
      try {
        await gateway.load();
      } finally {
        await gateway.stop().catch(() => {});
      }
    };
    await expect(load(supergraph)).rejects.toThrow(/authenticated\/v0\.1 is for: SECURITY but is unsupported/);
    await expect(load(supergraphForGateway(supergraph))).resolves.toBeUndefined();
  });

  it('refuses text that is not a supergraph, so a bad file never replaces the one in service', () => {
    expect(() => supergraphForGateway('this is not a supergraph')).toThrow(/Syntax Error/);
  });
});

describe('scopes of a caller', () => {
  const identity = (role: Identity['role'], scopes: string[] = []): Identity => ({ subject: 's', role, jurisdiction: [], scopes, purpose: null });

  it('maps roles to implicit scopes and adds the token scopes', () => {
    expect(callerOf(identity('national_official')).allScopes).toBe(true);
    expect([...callerOf(identity('partner', ['checkins:write'])).scopes]).toEqual(['checkins:write']);
    expect(callerOf(identity('province_official', ['audit:read'])).scopes).toEqual(new Set([...(ROLE_SCOPES.province_official as string[]), 'audit:read']));
    expect(callerOf(undefined).authenticated).toBe(false);
  });

  it('gives the tracing worker (and the health pass) what it asks the graph for, and no more', () => {
    expect(ROLE_SCOPES.service).toEqual(['people:read', 'exposures:read', 'tasks:write', 'schedules:write', 'cases:read', 'cases:write', 'tests:read']);
    const service = callerOf(identity('service'));
    expect(satisfies({ authenticated: false, scopes: [[['exposures:read']]] }, service)).toBe(true);
    expect(satisfies({ authenticated: false, scopes: [[['facilities:write']]] }, service)).toBe(false);
  });

  it('reads @requiresScopes as any of the sets, all scopes of a set, every application', () => {
    const both = { authenticated: false, scopes: [[['a', 'b'], ['c']]] };
    expect(satisfies(both, partner('a'))).toBe(false);
    expect(satisfies(both, partner('a', 'b'))).toBe(true);
    expect(satisfies(both, partner('c'))).toBe(true);
    expect(satisfies({ authenticated: false, scopes: [[['a']], [['b']]] }, partner('a'))).toBe(false);
    expect(satisfies({ authenticated: true, scopes: [] }, partner())).toBe(true);
    expect(satisfies({ authenticated: true, scopes: [] }, anonymous)).toBe(false);
    expect(satisfies({ authenticated: false, scopes: [[['a']]] }, anonymous)).toBe(false);
    expect(satisfies(both, national)).toBe(true);
  });

  it('describes what is missing', () => {
    expect(describeRequirements([{ authenticated: false, scopes: [[['venues:read']]] }])).toBe('the scope venues:read');
    expect(describeRequirements([{ authenticated: false, scopes: [[['a', 'b'], ['c']]] }])).toBe('one of: a and b; c');
    expect(describeRequirements([{ authenticated: true, scopes: [] }])).toBe('an authenticated caller');
  });
});

describe('pruning an operation', () => {
  it('returns the very same document when the caller may use everything', () => {
    const result = prune('{ venue(id: "1") { name } person(id: "2") { fullName exposures { minutes } } }', national);
    expect(result.denials).toEqual([]);
    expect(result.document).toBe(result.input);
  });

  it('removes a root field the caller may not use and keeps the rest', () => {
    const result = prune('query Q($id: ID!) { v: venue(id: $id) { name } provinces { code } }', partner('checkins:write'));
    expect(result.denied).toEqual(['v Query.venue']);
    expect(result.printed).toBe(canonical('query Q($id: ID!) { provinces { code } }'));
    expect(result.denials[0]!.unmet).toEqual([{ authenticated: false, scopes: [[['venues:read']]] }]);
  });

  it('removes a nested field, and the parent whose selection it empties', () => {
    const kept = prune('{ person(id: "1") { fullName exposures { minutes } } }', partner('people:read'));
    expect(kept.denied).toEqual(['person.exposures Person.exposures']);
    expect(kept.printed).toBe(canonical('{ person(id: "1") { fullName } }'));

    const emptied = prune('{ provinces { code } p: person(id: "1") { exposures { minutes } } }', partner('people:read'));
    expect(emptied.denied).toEqual(['p.exposures Person.exposures']);
    expect(emptied.printed).toBe(canonical('{ provinces { code } }'));
  });

  it('applies a type requirement to every field returning the type, lists included', () => {
    const result = prune('{ case(id: "1") { id } cases { id } people { fullName cases { id } } }', partner('people:read'));
    expect(result.denied).toEqual(['case Query.case', 'cases Query.cases', 'people.cases Person.cases']);
    expect(result.printed).toBe(canonical('{ people { fullName } }'));
    expect(prune('{ provinces { tracer { name } code } }', anonymous).denied).toEqual(['provinces.tracer Province.tracer']);
  });

  it('removes fragments on a protected type, inline or named', () => {
    const result = prune('{ result { ... on Venue { name } ... on Case { id } ...C } } fragment C on Case { person { id } }', partner());
    expect(result.denied).toEqual(['result Case', 'result Case']);
    expect(result.printed).toBe(canonical('{ result { ... on Venue { name } } }'));
  });

  it('prunes inside named fragments once, drops emptied spreads and unused fragments', () => {
    const query = `
      { a: person(id: "1") { ...P } b: person(id: "2") { ...P id } c: person(id: "3") { ...OnlyExposures } }
      fragment P on Person { fullName exposures { minutes } }
      fragment OnlyExposures on Person { exposures { venue { name } } }
    `;
    const result = prune(query, partner('people:read'));
    // P is pruned once, and its denial reported where it is first spread.
    expect(result.denied).toEqual(['a.exposures Person.exposures', 'c.exposures Person.exposures']);
    expect(result.printed).toBe(canonical('{ a: person(id: "1") { ...P } b: person(id: "2") { ...P id } } fragment P on Person { fullName }'));
  });

  it('through an interface: a field any implementation protects, on the field or the type', () => {
    const direct = prune('{ node(id: "1") { id label } }', partner());
    // `id` is on SecretNode (type requirement); `label` on SecretNode and GuardedNode.label.
    expect(direct.denied).toEqual(['node.id Node.id', 'node.label Node.label']);
    expect(direct.document).toBeNull();

    const typed = prune('{ node(id: "1") { __typename ... on PublicNode { id label } ... on GuardedNode { id label } ... on SecretNode { id } } }', partner());
    expect(typed.denied).toEqual(['node.label GuardedNode.label', 'node SecretNode']);
    expect(typed.printed).toBe(canonical('{ node(id: "1") { __typename ... on PublicNode { id label } ... on GuardedNode { id } } }'));
    expect(prune('{ node(id: "1") { id label } }', partner('secret', 'guarded')).denials).toEqual([]);
  });

  it('keeps __typename and introspection', () => {
    const result = prune('{ __typename __schema { queryType { name } } venue(id: "1") { __typename name } }', partner());
    expect(result.denied).toEqual(['venue Query.venue']);
    expect(result.printed).toBe(canonical('{ __typename __schema { queryType { name } } }'));
  });

  it('leaves nothing to run when every field is denied', () => {
    const result = prune('mutation { checkIn(id: "1") }', partner());
    expect(result.document).toBeNull();
    expect(result.denied).toEqual(['checkIn Mutation.checkIn']);
    expect(prune('mutation { checkIn(id: "1") ping }', partner()).printed).toBe(canonical('mutation { ping }'));
  });

  it('prunes the named operation only and keeps no other operation', () => {
    const result = prune('query A { venue(id: "1") { name } provinces { code } } query B { venue(id: "2") { id } }', partner(), 'A');
    expect(result.printed).toBe(canonical('query A { provinces { code } }'));
    expect(prune('query A { provinces { code } } query B { venue(id: "2") { id } }', partner(), 'A').denials).toEqual([]);
  });

  it('checks @authenticated and every set of @requiresScopes', () => {
    expect(prune('{ me provinces { code } }', anonymous).denied).toEqual(['me Query.me']);
    expect(prune('{ me }', partner()).denials).toEqual([]);
    expect(prune('{ both }', partner('a')).denied).toEqual(['both Query.both']);
    expect(prune('{ both }', partner('a', 'b')).denials).toEqual([]);
    expect(prune('{ both }', partner('c')).denials).toEqual([]);
  });

  it('leaves unknown fields for the gateway to refuse', () => {
    expect(prune('{ nope { x } venue(id: "1") { name } }', partner()).printed).toBe(canonical('{ nope { x } }'));
  });
});

describe('the gateway wrapper', () => {
  /** A stand-in for @apollo/gateway: records what its executor is given. */
  function fakeGateway() {
    const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
    const seen: GatewayGraphQLRequestContext[] = [];
    const executor: GatewayExecutor = async (context) => {
      seen.push(context);
      return { data: { ran: print(context.document) }, errors: [] };
    };
    const gateway: GatewayInterface = {
      onSchemaLoadOrUpdate: (callback) => {
        listeners.add(callback);
        return () => listeners.delete(callback);
      },
      load: async () => {
        for (const listener of listeners) listener({ apiSchema: schema, coreSupergraphSdl: `${LINKS}\n${SDL}` });
        return { executor };
      },
      stop: async () => {},
    };
    return { gateway, seen, update: (sdl: string) => listeners.forEach((l) => l({ apiSchema: schema, coreSupergraphSdl: sdl })) };
  }

  function request(document: DocumentNode, identity: Identity, queryHash = 'h1'): GatewayGraphQLRequestContext {
    return {
      request: { query: print(document) },
      schema,
      context: { identity, requestId: 'r1', internalToken: 't' },
      queryHash,
      document,
      source: print(document),
      operationName: null,
      operation: document.definitions[0],
    } as unknown as GatewayGraphQLRequestContext;
  }

  const partnerIdentity: Identity = { subject: 'acme', role: 'partner', jurisdiction: [], scopes: ['checkins:write'], purpose: null };
  const logger = createLogger('test', 'silent');

  it('runs the pruned operation under its own query hash and adds one FORBIDDEN error per removed field', async () => {
    const fake = fakeGateway();
    const { executor } = await enforceSchemaRequirements(fake.gateway, { logger }).load({ apollo: {} });
    const document = parse('{ venue(id: "1") { name } provinces { code } }');
    const result = await executor!(request(document, partnerIdentity));
    expect(fake.seen).toHaveLength(1);
    expect(print(fake.seen[0]!.document)).toBe(canonical('{ provinces { code } }'));
    expect(fake.seen[0]!.queryHash).not.toBe('h1');
    expect(fake.seen[0]!.request.query).toBe(print(fake.seen[0]!.document));
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors!;
    expect(error!.path).toEqual(['venue']);
    expect(error!.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(error!.message).toBe('Forbidden: Query.venue requires the scope venues:read; it was left out of the operation.');
    expect(error!.locations).toEqual([{ line: 1, column: 3 }]);

    // A second request for the same operation and scopes: the cached verdict, fresh error objects.
    const again = await executor!(request(document, partnerIdentity));
    expect(again.errors![0]).not.toBe(error);
    expect(fake.seen[1]!.queryHash).toBe(fake.seen[0]!.queryHash);
  });

  it('passes an operation through untouched when nothing is denied, and runs nothing when everything is', async () => {
    const fake = fakeGateway();
    const { executor } = await enforceSchemaRequirements(fake.gateway, { logger }).load({ apollo: {} });
    const allowed = parse('mutation { checkIn(id: "1") }');
    const context = request(allowed, partnerIdentity, 'h2');
    await executor!(context);
    expect(fake.seen[0]).toBe(context);

    const refused = await executor!(request(parse('{ venue(id: "1") { name } }'), partnerIdentity, 'h3'));
    expect(refused.data).toBeNull();
    expect(refused.errors?.map((e) => e.path)).toEqual([['venue']]);
    expect(fake.seen).toHaveLength(1);
  });

  it('reads the requirements again when the gateway loads a new supergraph', async () => {
    const fake = fakeGateway();
    const { executor } = await enforceSchemaRequirements(fake.gateway, { logger }).load({ apollo: {} });
    const document = parse('{ provinces { code } }');
    expect((await executor!(request(document, partnerIdentity, 'h4'))).errors).toEqual([]);
    fake.update(`${LINKS}\n${SDL.replace('provinces: [Province!]!', 'provinces: [Province!]! @requiresScopes(scopes: [["units:read"]])')}`);
    const after = await executor!(request(document, partnerIdentity, 'h4'));
    expect(after.data).toBeNull();
    expect(after.errors?.[0]?.message).toContain('Query.provinces requires the scope units:read');
  });
});

describe('the denial error in production', () => {
  it('keeps its message, path and code when execution errors are masked', () => {
    const document = parse('{ venue(id: "1") { name } }');
    const [denial] = pruneOperation(schema, requirements, document, undefined, partner()).denials;
    const error = denialError(denial!);
    const origins = new WeakMap<object, ErrorOrigin>([[error, { requestId: 'req-1', execution: true }]]);
    const formatted = formatGatewayError(error.toJSON(), error, { production: true, logger: createLogger('test', 'silent'), origins });
    expect(formatted).toEqual({
      message: 'Forbidden: Query.venue requires the scope venues:read; it was left out of the operation.',
      locations: [{ line: 1, column: 3 }],
      path: ['venue'],
      extensions: { code: 'FORBIDDEN', requestId: 'req-1' },
    });
  });
});
