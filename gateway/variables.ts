import type { ApolloGateway } from '@apollo/gateway';
import {
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isInputType,
  isLeafType,
  isListType,
  isNonNullType,
  typeFromAST,
  type GraphQLError,
  type GraphQLInputType,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from './limits/graphql.ts';

/**
 * Whether `value` is certainly valid for `type`, judged as graphql-js's coerceInputValue judges it
 * (the same parseValue for every scalar and enum), without building the coerced value or a path
 * per element. False means "not certainly": the caller then asks graphql-js, for its exact errors.
 */
export function conformsTo(value: unknown, type: GraphQLInputType): boolean {
  if (isNonNullType(type)) return value != null && conformsTo(value, type.ofType);
  if (value == null) return true;
  if (isListType(type)) {
    if (!Array.isArray(value)) return typeof value !== 'object' && conformsTo(value, type.ofType); // a non-list value is a list of one
    for (const item of value) if (!conformsTo(item, type.ofType)) return false;
    return true;
  }
  if (isInputObjectType(type)) {
    if (typeof value !== 'object' || Array.isArray(value) || type.isOneOf) return false;
    const fields = type.getFields();
    const object = value as Record<string, unknown>;
    for (const name in fields) {
      const field = fields[name]!;
      const fieldValue = object[name];
      if (fieldValue === undefined) {
        if (field.defaultValue === undefined && isNonNullType(field.type)) return false;
        continue;
      }
      if (!conformsTo(fieldValue, field.type)) return false;
    }
    // Every key the value has is a field of the type (an unknown field is an error).
    for (const key in object) if (Object.hasOwn(object, key) && !Object.hasOwn(fields, key)) return false;
    return true;
  }
  if (isLeafType(type)) {
    try {
      return (isEnumType(type) ? type.parseValue(value, true) : type.parseValue(value)) !== undefined;
    } catch {
      return false;
    }
  }
  return false;
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
