import type { ApolloGateway } from '@apollo/gateway';
import {
  getVariableValues,
  GRAPHQL_MAX_INT,
  GRAPHQL_MIN_INT,
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLString,
  isEnumType,
  isInputObjectType,
  isInputType,
  isLeafType,
  isListType,
  isNonNullType,
  typeFromAST,
  type GraphQLEnumType,
  type GraphQLError,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from '../subgraphs/shared/graphql.ts';

/** Whether one value is certainly valid for the type it was compiled for (`checkerOf`). */
type Check = (value: unknown) => boolean;

/**
 * The checks of named input types, compiled once per type (a schema's types live as long as it):
 * a partner's batch of 5,000 rows is 5,000 calls of one input object's check, which must not ask
 * each time what kind of type it is or list its fields (tests/bench/vaccination-ingest profiled
 * the uncompiled walk at a quarter of the gateway's CPU).
 */
const compiled = new WeakMap<GraphQLInputType, Check>();

/**
 * Whether `value` is certainly valid for `type`, judged as graphql-js's coerceInputValue judges it
 * (the same parseValue for every scalar and enum), without building the coerced value or a path
 * per element. False means "not certainly": the caller then asks graphql-js, for its exact errors.
 */
export function conformsTo(value: unknown, type: GraphQLInputType): boolean {
  return checkerOf(type)(value);
}

function checkerOf(type: GraphQLInputType): Check {
  if (isNonNullType(type)) {
    const inner = checkerOf(type.ofType);
    return (value) => value != null && inner(value);
  }
  if (isListType(type)) {
    const item = checkerOf(type.ofType);
    return (value) => {
      if (value == null) return true;
      if (!Array.isArray(value)) return typeof value !== 'object' && item(value); // a non-list value is a list of one
      for (let i = 0; i < value.length; i++) if (!item(value[i])) return false;
      return true;
    };
  }
  let check = compiled.get(type);
  if (!check) {
    check = isInputObjectType(type) ? inputObjectCheck(type) : isLeafType(type) ? leafCheck(type) : () => false;
    compiled.set(type, check);
  }
  return check;
}

/** An input object's check; its fields' checks are compiled at its first use (input types may refer to themselves). */
function inputObjectCheck(type: GraphQLInputObjectType): Check {
  // @oneOf has rules of its own: always left to graphql-js.
  if (type.isOneOf) return () => false;
  let fields: Array<{ name: string; check: Check; required: boolean }> | undefined;
  let names: Set<string> | undefined;
  return (value) => {
    if (value == null) return true;
    if (typeof value !== 'object' || Array.isArray(value)) return false;
    fields ??= Object.values(type.getFields()).map((field) => ({
      name: field.name,
      check: checkerOf(field.type),
      required: field.defaultValue === undefined && isNonNullType(field.type),
    }));
    names ??= new Set(fields.map((field) => field.name));
    const object = value as Record<string, unknown>;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const fieldValue = object[field.name];
      if (fieldValue === undefined) {
        if (field.required) return false;
      } else if (!field.check(fieldValue)) return false;
    }
    // Every key the value has is a field of the type (an unknown field is an error).
    for (const key in object) if (!names.has(key) && Object.hasOwn(object, key)) return false;
    return true;
  };
}

/**
 * A scalar's or enum's check: its own parseValue accepts the value. The specified scalars' rules
 * (graphql-js's parseValue of String, Int, Float, Boolean and ID) are written out: calling them
 * costs a call and, for a refusal, an exception.
 */
function leafCheck(type: GraphQLScalarType | GraphQLEnumType): Check {
  const orNull = (check: Check): Check => (value) => value == null || check(value);
  switch (type) {
    case GraphQLString:
      return orNull((value) => typeof value === 'string');
    case GraphQLBoolean:
      return orNull((value) => typeof value === 'boolean');
    case GraphQLInt:
      return orNull((value) => Number.isInteger(value) && (value as number) <= GRAPHQL_MAX_INT && (value as number) >= GRAPHQL_MIN_INT);
    case GraphQLFloat:
      return orNull((value) => typeof value === 'number' && Number.isFinite(value));
    case GraphQLID:
      return orNull((value) => typeof value === 'string' || Number.isInteger(value));
  }
  return orNull((value) => {
    try {
      // An enum's second argument spares it the "did you mean" suggestions of a refusal.
      return (isEnumType(type) ? type.parseValue(value, true) : type.parseValue(value)) !== undefined;
    } catch {
      return false;
    }
  });
}

/**
 * The errors graphql-js's getVariableValues reports for these variables: none when every variable
 * certainly conforms (checked without allocating), else graphql-js's own, exact errors.
 */
export function variableErrors(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[], inputs: Record<string, unknown>): readonly GraphQLError[] {
  if (definitions.every((definition) => conforms(schema, definition, inputs))) return [];
  return getVariableValues(schema, definitions, inputs).errors ?? [];
}

function conforms(schema: GraphQLSchema, definition: VariableDefinitionNode, inputs: Record<string, unknown>): boolean {
  const type = typeFromAST(schema, definition.type);
  if (!type || !isInputType(type)) return false;
  if (!Object.hasOwn(inputs, definition.variable.name.value)) return definition.defaultValue !== undefined || !isNonNullType(type);
  return conformsTo(inputs[definition.variable.name.value], type);
}

interface VariableValidation {
  validateIncomingRequest(
    requestContext: { request: { variables?: Record<string, unknown> } },
    operationContext: { schema: GraphQLSchema; operation: { variableDefinitions?: readonly VariableDefinitionNode[] } },
  ): readonly GraphQLError[];
}

/**
 * @apollo/gateway (2.14, `validateIncomingRequest`) coerces every variable with graphql-js only to
 * report errors: it drops the coerced values and sends the variables on as they came, and the
 * subgraph coerces them again. For a partner's batch of 5,000 check-ins that was 16 ms of the
 * gateway's 49 ms of CPU (profiled). The gateway now checks with `variableErrors`: the same
 * verdict and, for bad input, graphql-js's own errors. It replaces a private method (the version is
 * pinned): tests/e2e/gateway-reliances.test.ts fails if the gateway stops calling it.
 */
export function checkVariablesWithoutCoercing(gateway: ApolloGateway): void {
  const target = gateway as unknown as VariableValidation;
  if (typeof target.validateIncomingRequest !== 'function') throw new Error('@apollo/gateway no longer has validateIncomingRequest: see gateway/variables.ts');
  target.validateIncomingRequest = (requestContext, operationContext) =>
    variableErrors(operationContext.schema, operationContext.operation.variableDefinitions ?? [], requestContext.request.variables ?? {});
}
