import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { describe, expect, it } from 'vitest';
import { buildSchema, getVariableValues, GraphQLScalarType, parse, type GraphQLSchema, type OperationDefinitionNode } from '../../subgraphs/shared/graphql.ts';
import { supergraphForGateway } from '../../gateway/authorization.ts';
import { checkVariablesWithoutCoercing, conformsTo, variableErrors } from '../../gateway/variables.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';

const SDL = /* GraphQL */ `
  scalar Even
  enum Colour { RED GREEN }
  input Inner { colour: Colour!, tags: [String!], weight: Float = 1.5 }
  input Outer { id: ID!, count: Int, inner: Inner!, inners: [[Inner]!], even: Even }
  input Either @oneOf { a: Int, b: String }
  input Chain { value: Int!, next: Chain }
  type Query { f(outer: Outer, either: Either, n: Int!, list: [Int!]!, withDefault: Int = 3): Int }
`;
const schema = buildSchema(SDL);
// A custom scalar whose parseValue throws (like the hub's DateTime and UUID) or answers undefined.
const even = schema.getType('Even') as GraphQLScalarType;
even.parseValue = (value: unknown) => {
  if (typeof value !== 'number') throw new TypeError('not a number');
  return value % 2 === 0 ? value : undefined;
};

const variablesOf = (source: string, s: GraphQLSchema = schema) => {
  const operation = parse(source).definitions[0] as OperationDefinitionNode;
  return { s, definitions: operation.variableDefinitions ?? [] };
};
const operation = variablesOf('query ($outer: Outer, $either: Either, $n: Int!, $list: [Int!]!, $withDefault: Int) { f(outer: $outer, either: $either, n: $n, list: $list, withDefault: $withDefault) }');

/** A small deterministic generator of valid values and of values with one thing wrong. */
function* cases(): Generator<Record<string, unknown>> {
  const inner = { colour: 'RED', tags: ['a', 'b'] };
  const outer = { id: 'x1', count: 2, inner, inners: [[inner, null], []], even: 4 };
  const base = { outer, either: { a: 1 }, n: 1, list: [1, 2] };
  yield base;
  yield { ...base, outer: null, either: null, list: 5 }; // nullable null; a non-list value is a list of one
  yield { ...base, withDefault: null };
  yield { n: 3, list: [] };
  yield { ...base, outer: { ...outer, id: 7 } }; // an ID may be sent as an integer
  const bad: Array<[string, unknown]> = [
    ['n', null], ['n', '1'], ['n', 1.5], ['list', [1, null]], ['list', ['a']], ['list', null],
    ['outer', 5], ['outer', [outer]], ['outer', { ...outer, id: null }], ['outer', { ...outer, extra: 1 }],
    ['outer', { ...outer, inner: { colour: 'BLUE' } }], ['outer', { ...outer, inner: { colour: 1 } }], ['outer', { ...outer, inner: {} }],
    ['outer', { ...outer, inners: [[{ colour: 'RED', tags: [null] }]] }], ['outer', { ...outer, inners: [null] }],
    ['outer', { ...outer, even: 3 }], ['outer', { ...outer, even: 'two' }], ['outer', { ...outer, count: 2 ** 31 }],
    ['either', { a: 1, b: 'x' }], ['either', {}], ['either', { a: null }], ['withDefault', 'x'],
  ];
  for (const [name, value] of bad) yield { ...base, [name]: value };
  const { n: _n, ...withoutN } = base;
  yield withoutN;
}

describe('variableErrors: the gateway checks variables without coercing them', () => {
  it('gives the verdict and the errors of graphql-js getVariableValues, valid or not', () => {
    let valid = 0;
    let invalid = 0;
    for (const inputs of cases()) {
      const expected = getVariableValues(operation.s, operation.definitions, inputs).errors ?? [];
      const actual = variableErrors(operation.s, operation.definitions, inputs);
      expect(actual.map((e) => e.message), JSON.stringify(inputs)).toEqual(expected.map((e) => e.message));
      if (expected.length === 0) valid += 1;
      else invalid += 1;
    }
    expect(valid).toBe(5);
    expect(invalid).toBe(23);
  });

  it('answers valid input without graphql-js, and leaves what it cannot vouch for to graphql-js', () => {
    const inner = schema.getType('Inner') as Parameters<typeof conformsTo>[1];
    expect(conformsTo({ colour: 'GREEN' }, inner)).toBe(true);
    expect(conformsTo({ colour: 'GREEN', nope: 1 }, inner)).toBe(false);
    // @oneOf has rules of its own: always left to graphql-js.
    expect(conformsTo({ a: 1 }, schema.getType('Either') as Parameters<typeof conformsTo>[1])).toBe(false);
    expect(variableErrors(schema, operation.definitions, { n: 1, list: [], either: { a: 1 } })).toEqual([]);
  });

  it('checks an input type that refers to itself (its fields are compiled at first use)', () => {
    const chain = schema.getType('Chain') as Parameters<typeof conformsTo>[1];
    expect(conformsTo({ value: 1, next: { value: 2, next: { value: 3, next: null } } }, chain)).toBe(true);
    expect(conformsTo({ value: 1, next: { value: 2, next: { next: null } } }, chain)).toBe(false);
    expect(conformsTo({ value: 1, next: { value: 2 ** 31 } }, chain)).toBe(false);
  });

  it('on the hub supergraph: a partner batch passes; a row without personId gets graphql-js error', async () => {
    const gateway = new ApolloGateway({ supergraphSdl: supergraphForGateway(readFileSync(SUPERGRAPH_FILE, 'utf8')) });
    const { schema: api } = await gateway.load();
    try {
      const { definitions } = variablesOf('mutation ($batch: [CheckInRecordInput!]!) { recordCheckIns(batch: $batch) { accepted } }', api);
      const row = { id: 'c0ffee00-0000-4000-8000-000000000001', qrCode: 'Q', personId: '9e000000-0000-4000-8000-000000000001', checkedInAt: '2026-11-26T08:00:00.000Z', checkedOutAt: null };
      const batch = Array.from({ length: 100 }, () => row);
      expect(variableErrors(api, definitions, { batch })).toEqual([]);

      const { personId: _p, ...withoutPerson } = row;
      const errors = variableErrors(api, definitions, { batch: [...batch, withoutPerson] });
      expect(errors.map((e) => e.message)).toEqual([
        'Variable "$batch" got invalid value { id: "c0ffee00-0000-4000-8000-000000000001", qrCode: "Q", checkedInAt: "2026-11-26T08:00:00.000Z", checkedOutAt: null } at "batch[100]"; Field "personId" of required type "ID!" was not provided.',
      ]);
    } finally {
      await gateway.stop();
    }
  });

  it('is installed in place of @apollo/gateway validateIncomingRequest (fails if an upgrade renames it)', async () => {
    expect(typeof (ApolloGateway.prototype as unknown as { validateIncomingRequest?: unknown }).validateIncomingRequest).toBe('function');
    const gateway = new ApolloGateway({ supergraphSdl: supergraphForGateway(readFileSync(SUPERGRAPH_FILE, 'utf8')) });
    const { schema: api } = await gateway.load();
    try {
      checkVariablesWithoutCoercing(gateway);
      const { definitions } = variablesOf('query ($n: Int!) { __typename }', api);
      const validate = (gateway as unknown as { validateIncomingRequest: (r: unknown, o: unknown) => Array<{ message: string }> }).validateIncomingRequest;
      const call = (variables?: Record<string, unknown>) => validate({ request: { variables } }, { schema: api, operation: { variableDefinitions: definitions } });
      expect(call({ n: 1 })).toEqual([]);
      expect(call({}).map((e) => e.message)).toEqual(['Variable "$n" of required type "Int!" was not provided.']);
      expect(call(undefined).map((e) => e.message)).toEqual(['Variable "$n" of required type "Int!" was not provided.']);
    } finally {
      await gateway.stop();
    }
  });
});
