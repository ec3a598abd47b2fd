// The same graphql-js file as the gateway's (see subgraphs/shared/graphql.ts).
import { buildSchema, parse, type OperationDefinitionNode } from '../../subgraphs/shared/graphql.ts';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS, OperationCosts, checkOperationShape, gatewayHardening, limitsFromEnv, operationCost, usesIntrospection, withoutSuggestions } from '../../gateway/limits.ts';
import { EnvError, LIMIT_DEFAULTS, parseEnv } from '../../subgraphs/shared/env.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';

const schema = buildSchema(`
  type Query {
    provinces: [Province!]!
    province(code: ID!): Province
    cases(limit: Int = 100): [Case!]!
    people(ids: [ID!]!): [Person]!
    viewer: String
  }
  type Province { code: ID! name: String! wards(first: Int): [Ward!]! tags: [String!]! }
  type Ward { code: ID! name: String! province: Province! }
  type Case { id: ID! person: Person! }
  type Person { id: ID! name: String! cases: [Case!]! }
`);

const shape = { maxDepth: 12, maxAliases: 50, maxDirectives: 5, maxFieldRepeats: 20 };
const messages = (query: string) => checkOperationShape(schema, parse(query), shape).map((e) => e.message);
const limitsOf = (query: string) => checkOperationShape(schema, parse(query), shape).map((e) => e.extensions.limit);
const cost = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  return operationCost(schema, document, document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode, variables);
};

describe('limits configuration', () => {
  it('defaults to the documented numbers', () => {
    expect(parseEnv({}).gateway.limits).toEqual({ maxDepth: 12, maxAliases: 50, maxDirectives: 5, maxTokens: 2000, maxCost: 20000 });
    expect(DEFAULT_LIMITS).toMatchObject(LIMIT_DEFAULTS);
    expect(limitsFromEnv(parseEnv({}))).toEqual(DEFAULT_LIMITS);
  });

  it('reads LIMIT_* variables', () => {
    const env = parseEnv({ LIMIT_MAX_DEPTH: '8', LIMIT_MAX_ALIASES: '10', LIMIT_MAX_DIRECTIVES: '3', LIMIT_MAX_TOKENS: '500', LIMIT_MAX_COST: '1000' });
    expect(env.gateway.limits).toEqual({ maxDepth: 8, maxAliases: 10, maxDirectives: 3, maxTokens: 500, maxCost: 1000 });
    expect(limitsFromEnv(env).maxFieldRepeats).toBe(DEFAULT_LIMITS.maxFieldRepeats);
  });

  it('reports every malformed limit at once', () => {
    try {
      parseEnv({ LIMIT_MAX_DEPTH: 'deep', LIMIT_MAX_COST: '0', LIMIT_MAX_TOKENS: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      for (const name of ['LIMIT_MAX_DEPTH', 'LIMIT_MAX_COST', 'LIMIT_MAX_TOKENS']) expect((error as Error).message).toContain(name);
    }
  });

  it('gives Apollo the hardened options', () => {
    const options = gatewayHardening({ production: true, limits: { maxTokens: 300 }, logger: createLogger('t', 'silent') });
    expect(options).toMatchObject({
      allowBatchedHttpRequests: false,
      csrfPrevention: true,
      includeStacktraceInErrorResponses: false,
      hideSchemaDetailsFromClientErrors: true,
      parseOptions: { maxTokens: 300 },
      validationOptions: { hideSuggestions: true },
    });
    expect(gatewayHardening({ production: false, logger: createLogger('t', 'silent') }).parseOptions).toEqual({ maxTokens: LIMIT_DEFAULTS.maxTokens });
  });
});

describe('operation shape', () => {
  it('accepts an ordinary operation', () => {
    expect(messages('{ provinces { code name wards { code name } } viewer }')).toEqual([]);
  });

  it('refuses depth beyond the limit, fragments not counting as levels', () => {
    const nested = (levels: number) => `{ provinces { ${'wards { province { '.repeat(levels)}code${' } }'.repeat(levels)} } }`;
    expect(limitsOf(nested(5))).toEqual([]); // depth 12
    expect(limitsOf(nested(6))).toEqual(['depth']); // depth 14
    expect(limitsOf(`{ provinces { ...P } } fragment P on Province { ... on Province { wards { code } } }`)).toEqual([]);
  });

  it('counts aliases of __typename like any other', () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${String.fromCharCode(97 + (i % 26))}${i}: __typename`).join(' ')} }`;
    expect(limitsOf(aliases(50))).toEqual([]);
    expect(limitsOf(aliases(51))).toEqual(['aliases']);
  });

  it('refuses too many directives', () => {
    expect(limitsOf(`{ viewer ${'@include(if: true) '.repeat(5)}}`)).toEqual([]);
    expect(limitsOf(`{ viewer ${'@include(if: true) '.repeat(6)}}`)).toEqual(['directives']);
  });

  it('refuses a field repeated too often, through inline fragments too', () => {
    expect(limitsOf(`{ provinces { ${'code '.repeat(20)}} }`)).toEqual([]);
    expect(limitsOf(`{ provinces { ${'code '.repeat(1000)}} }`)).toEqual(['fieldRepeats']);
    expect(limitsOf(`{ provinces { ${'... on Province { code } '.repeat(21)}} }`)).toEqual(['fieldRepeats']);
    expect(limitsOf(`{ provinces { ...P ${'...P '.repeat(21)}} } fragment P on Province { code }`)).toEqual(['fieldRepeats']);
  });

  it('reports fragment cycles alone, before any other count', () => {
    const cyclic = `{ provinces { ...A } } fragment A on Province { wards { province { ...B } } } fragment B on Province { ${'code '.repeat(50)} ...A }`;
    expect(messages(cyclic)).toEqual(['Cannot spread fragment "A" within itself via "B".']);
  });

  it('never puts a configured number in a message', () => {
    const all = [
      ...messages(`{ ${Array.from({ length: 60 }, (_, i) => `a${'x'.repeat(i + 1)}: __typename`).join(' ')} }`),
      ...messages(`{ viewer ${'@include(if: true) '.repeat(10)}}`),
      ...messages(`{ provinces { ${'wards { province { '.repeat(10)}code${' } }'.repeat(10)} } }`),
      ...messages(`{ provinces { ${'code '.repeat(100)}} }`),
    ];
    expect(all).toHaveLength(4);
    for (const message of all) expect(message).not.toMatch(/\d/);
  });
});

describe('operation cost', () => {
  it('counts lists as 10 items unless the operation says otherwise', () => {
    expect(cost('{ viewer }')).toBe(1);
    expect(cost('{ provinces { code name } }')).toBe(1 + 10 * 2);
    expect(cost('{ provinces { code tags } }')).toBe(1 + 10 * 2); // a list of scalars is one value
    expect(cost('{ provinces { wards { code } } }')).toBe(1 + 10 * (1 + 10 * 1));
    expect(cost('{ provinces { wards(first: 2) { code } } }')).toBe(1 + 10 * (1 + 2 * 1));
    expect(cost('{ province(code: "79") { name } }')).toBe(1 + 1);
  });

  it('uses limit arguments, their schema defaults and variables', () => {
    expect(cost('{ cases { id } }')).toBe(1 + 100); // limit: Int = 100
    expect(cost('{ cases(limit: 3) { id } }')).toBe(1 + 3);
    expect(cost('query($n: Int) { cases(limit: $n) { id } }', { n: 5000 })).toBe(1 + 5000);
    expect(cost('query($n: Int) { cases(limit: $n) { id } }', {})).toBe(1 + 100);
    // An id list does not set the size (the subgraphs cap it; the tracing worker sends thousands).
    expect(cost('query($ids: [ID!]!) { people(ids: $ids) { id } }', { ids: Array.from({ length: 5000 }, (_, i) => String(i)) })).toBe(1 + 10);
  });

  it('costs an operation once per schema, unless a list size comes from a variable', () => {
    const operationOf = (query: string) => {
      const document = parse(query);
      return { document, operation: document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode };
    };
    const costs = new OperationCosts();
    // Each costing starts from the schema's root type: one call per operation costed.
    const costings = vi.spyOn(schema, 'getRootType');
    try {
      const fixed = operationOf('query($code: ID!) { province(code: $code) { wards { code } } }');
      expect(costs.costOf(schema, fixed.document, fixed.operation, { code: '79' })).toBe(1 + 1 + 10);
      expect(costs.costOf(schema, fixed.document, fixed.operation, { code: '01' })).toBe(1 + 1 + 10);
      expect(costings).toHaveBeenCalledTimes(1);

      const sized = operationOf('query($n: Int) { provinces { wards(first: $n) { code } } }');
      expect(costs.costOf(schema, sized.document, sized.operation, { n: 2 })).toBe(1 + 10 * (1 + 2));
      expect(costs.costOf(schema, sized.document, sized.operation, { n: 50 })).toBe(1 + 10 * (1 + 50));
      expect(costings).toHaveBeenCalledTimes(3);
    } finally {
      costings.mockRestore();
    }

    // A new schema (a supergraph update) costs the same document again, by the new schema's fields.
    const updated = buildSchema('type Query { province(code: ID!): Province } type Province { wards(first: Int = 3): [Ward!]! } type Ward { code: ID! }');
    const again = operationOf('{ province(code: "79") { wards { code } } }');
    expect(costs.costOf(schema, again.document, again.operation)).toBe(1 + 1 + 10);
    expect(costs.costOf(updated, again.document, again.operation)).toBe(1 + 1 + 3);
  });

  it('costs each fragment once, however often it is spread', () => {
    // Each level doubles the work: 2^30 spreads of the innermost fragment, costed in linear time.
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Person { ${i === levels - 1 ? 'id' : `cases { person { ...F${i + 1} } } a: cases { person { ...F${i + 1} } }`} }`);
    const started = Date.now();
    const value = cost(`{ people(ids: ["x"]) { ...F0 } } ${fragments.join(' ')}`);
    expect(Date.now() - started).toBeLessThan(200);
    expect(value).toBeGreaterThan(DEFAULT_LIMITS.maxCost);
  });
});

describe('introspection and suggestions', () => {
  const introspects = (query: string) => {
    const document = parse(query);
    return usesIntrospection(document, document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode);
  };

  it('finds __schema and __type under aliases and fragments, not __typename', () => {
    expect(introspects('{ __schema { queryType { name } } }')).toBe(true);
    expect(introspects('{ t: __type(name: "Query") { name } }')).toBe(true);
    expect(introspects('{ ... on Query { ...I } } fragment I on Query { __schema { types { name } } }')).toBe(true);
    expect(introspects('{ __typename provinces { __typename code } }')).toBe(false);
  });

  it('strips "Did you mean" suggestions', () => {
    expect(withoutSuggestions('Cannot query field "nam" on type "Province". Did you mean "name"?')).toBe('Cannot query field "nam" on type "Province".');
    expect(withoutSuggestions('Value "OPN" does not exist in "Status" enum. Did you mean the enum value "OPEN"?')).toBe('Value "OPN" does not exist in "Status" enum.');
  });
});
