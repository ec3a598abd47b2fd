import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildSchema, execute, getVariableValues, parse, type GraphQLScalarType, type OperationDefinitionNode } from '../../subgraphs/shared/graphql.ts';
import { parseDateTime } from '../../subgraphs/shared/scalars.ts';

// patches/graphql+16.15.0.patch: graphql-js coerces valid variables on a fast path and counts them.
const { fastCoercionCount } = createRequire(import.meta.url)('graphql/utilities/coerceInputValue.js') as { fastCoercionCount: () => number };

const schema = buildSchema(/* GraphQL */ `
  scalar DateTime
  enum Kind { PCR RAPID }
  input Site { province: String!, id: ID! }
  input Row { id: ID!, n: Int!, at: DateTime!, kind: Kind = PCR, site: Site, tags: [String!], weight: Float }
  input Either @oneOf { a: Int, b: String }
  type Query { count(rows: [Row!]!, either: Either): Int }
`);
(schema.getType('DateTime') as GraphQLScalarType).parseValue = parseDateTime;
(schema.getType('Query') as unknown as { getFields(): Record<string, { resolve?: unknown }> }).getFields().count!.resolve = (_: unknown, args: { rows: unknown[] }) => args.rows.length;
const definitions = (parse('query ($rows: [Row!]!, $either: Either) { count(rows: $rows, either: $either) }').definitions[0] as OperationDefinitionNode).variableDefinitions!;
const row = { id: 'r1', n: 3, at: '2026-11-26T08:00:00+07:00', site: { province: '79', id: 7 }, tags: 'solo' };

describe('graphql-js variable coercion, patched', () => {
  it('coerces valid input on the fast path to what graphql-js makes: plain objects in field order, defaults, parsed scalars, a value as a list of one', () => {
    const before = fastCoercionCount();
    const { coerced, errors } = getVariableValues(schema, definitions, { rows: [row, { ...row, id: 2, kind: 'RAPID', weight: 1.5, tags: null }] });
    expect(errors).toBeUndefined();
    expect(fastCoercionCount()).toBe(before + 1);
    const rows = (coerced as { rows: Array<Record<string, unknown>> }).rows;
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    expect(Object.keys(rows[0]!)).toEqual(['id', 'n', 'at', 'kind', 'site', 'tags']);
    expect(rows[0]).toEqual({ id: 'r1', n: 3, at: new Date('2026-11-26T01:00:00Z'), kind: 'PCR', site: { province: '79', id: '7' }, tags: ['solo'] });
    expect(rows[1]).toEqual({ id: '2', n: 3, at: new Date('2026-11-26T01:00:00Z'), kind: 'RAPID', site: { province: '79', id: '7' }, tags: null, weight: 1.5 });
  });

  it("leaves invalid input to graphql-js's own coercion, with its errors and paths", () => {
    const cases: Array<[unknown, string]> = [
      [[row, { ...row, n: 1.5 }], 'Variable "$rows" got invalid value 1.5 at "rows[1].n"; Int cannot represent non-integer value: 1.5'],
      [[{ ...row, extra: 1 }], 'Variable "$rows" got invalid value { id: "r1", n: 3, at: "2026-11-26T08:00:00+07:00", site: { province: "79", id: 7 }, tags: "solo", extra: 1 } at "rows[0]"; Field "extra" is not defined by type "Row".'],
      [[{ ...row, site: { province: '79' } }], 'Variable "$rows" got invalid value { province: "79" } at "rows[0].site"; Field "id" of required type "ID!" was not provided.'],
      [[{ ...row, kind: 'NASAL' }], 'Variable "$rows" got invalid value "NASAL" at "rows[0].kind"; Value "NASAL" does not exist in "Kind" enum.'],
      [[null], 'Variable "$rows" got invalid value null at "rows[0]"; Expected non-nullable type "Row!" not to be null.'],
    ];
    for (const [rows, message] of cases) {
      const before = fastCoercionCount();
      const { errors } = getVariableValues(schema, definitions, { rows }, { hideSuggestions: true });
      expect(errors?.map((e) => e.message)).toEqual([message]);
      expect(fastCoercionCount()).toBe(before);
    }
    const { errors } = getVariableValues(schema, definitions, { rows: [{ ...row, at: '2026-02-30T08:00:00Z' }] });
    expect(errors?.[0]?.message).toMatch(/^Variable "\$rows" got invalid value "2026-02-30T08:00:00Z" at "rows\[0\]\.at"; .*DateTime "2026-02-30T08:00:00Z" is not a real instant$/);
  });

  it('leaves @oneOf input to graphql-js (its rules are its own)', () => {
    const before = fastCoercionCount();
    expect(getVariableValues(schema, definitions, { rows: [], either: { a: 1, b: 'x' } }).errors?.map((e) => e.message)).toEqual([
      'Variable "$either" got invalid value { a: 1, b: "x" }; Exactly one key must be specified for OneOf type "Either".',
    ]);
    expect(getVariableValues(schema, definitions, { rows: [], either: { b: 'x' } }).errors).toBeUndefined();
    expect(fastCoercionCount()).toBe(before + 2); // the (empty) rows of each call; either went the long way both times
  });

  it('is the path execute takes for an operation’s variables (fails if graphql-js stops calling the patched code)', async () => {
    const before = fastCoercionCount();
    const result = await execute({ schema, document: parse('query ($rows: [Row!]!) { count(rows: $rows) }'), variableValues: { rows: [row, row, row] } });
    expect(result).toEqual({ data: { count: 3 } });
    expect(fastCoercionCount()).toBe(before + 1);
  });
});
