import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  typeFromAST,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from '../../subgraphs/shared/graphql.ts';
import { fragmentsOf } from './shape.ts';

/** A list field whose size the operation does not state counts as this many items. */
export const DEFAULT_LIST_SIZE = 10;

/** Arguments that bound a list field's length (`cases(limit: 5)`, `first: 20`). */
const PAGE_ARGUMENTS = ['first', 'last', 'limit'] as const;

/**
 * The cost of an operation: every field costs 1; a field with a selection set adds the cost of
 * that selection, times its list size when the field's type is a list. A list's size is its
 * `first`/`last`/`limit` argument (given, from a variable, or the schema's default), else
 * DEFAULT_LIST_SIZE. Lists of scalars cost 1 (they resolve in one piece). Introspection fields
 * cost nothing here: graphql-js' MaxIntrospectionDepthRule bounds them.
 *
 * Linear in the document: each fragment is costed once. Assumes a document that passed validation
 * (no fragment cycles); a cycle would count as 0, never loop.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): number {
  return costing(schema, document, operation, variables).cost;
}

/**
 * operationCost, remembered per operation (its node in the parsed document) and schema when no
 * list size comes from a variable. Apollo Server hands every request of a query it has parsed
 * before the same document, so the gateway costs an operation once rather than on every request;
 * an operation that sizes a list by a variable (`first: $n`) is costed with each request's values.
 * The operation node is a WeakMap key: the entry goes when the document store drops the document.
 */
export class OperationCosts {
  private readonly known = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; cost: number | undefined }>();

  costOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> = {}): number {
    const known = this.known.get(operation);
    if (known?.schema === schema && known.cost !== undefined) return known.cost;
    const { cost, readsVariables } = costing(schema, document, operation, variables);
    this.known.set(operation, { schema, cost: readsVariables ? undefined : cost });
    return cost;
  }
}

function costing(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): { cost: number; readsVariables: boolean } {
  let readsVariables = false;
  const readsVariable = () => {
    readsVariables = true;
  };
  const fragments = fragmentsOf(document);
  const fragmentCosts = new Map<string, number>();

  const selectionCost = (parent: GraphQLNamedType | undefined, set: SelectionSetNode): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) total += fieldCost(parent, selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? typeFromAST(schema, selection.typeCondition) : parent;
        total += selectionCost(type, selection.selectionSet);
      } else {
        const name = selection.name.value;
        let cost = fragmentCosts.get(name);
        if (cost === undefined) {
          fragmentCosts.set(name, 0); // in progress: a cycle adds nothing
          const fragment = fragments.get(name);
          cost = fragment ? selectionCost(typeFromAST(schema, fragment.typeCondition), fragment.selectionSet) : 0;
          fragmentCosts.set(name, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const fieldCost = (parent: GraphQLNamedType | undefined, node: FieldNode): number => {
    const name = node.name.value;
    if (name === '__schema' || name === '__type') return 0;
    if (!node.selectionSet) return 1;
    const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
    const type = field ? getNamedType(field.type) : undefined;
    const childCost = selectionCost(type && isCompositeType(type) ? type : undefined, node.selectionSet);
    return 1 + listFactor(field, node, variables, readsVariable) * childCost;
  };

  const root = schema.getRootType(operation.operation) ?? undefined;
  return { cost: selectionCost(root, operation.selectionSet), readsVariables };
}

/** How many items a field is taken to return: 1 for a single object, the list size (per list level) otherwise. */
function listFactor(field: GraphQLField<unknown, unknown> | undefined, node: FieldNode, variables: Record<string, unknown>, readsVariable: () => void): number {
  if (!field) return DEFAULT_LIST_SIZE; // unknown to the schema: validation refuses it anyway
  const levels = listLevels(field.type);
  if (levels === 0) return 1;
  const size = listSize(field, node, variables, readsVariable);
  return size ** levels;
}

function listLevels(type: GraphQLType): number {
  let levels = 0;
  let current: GraphQLType = getNullableType(type);
  while (isListType(current)) {
    levels += 1;
    current = getNullableType(current.ofType);
  }
  return levels;
}

/** `readsVariable` is told when the size read comes from a variable (it then varies by request: OperationCosts). */
function listSize(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>, readsVariable: () => void): number {
  for (const name of PAGE_ARGUMENTS) {
    const definition = field.args.find((a) => a.name === name);
    if (!definition) continue;
    const argument = node.arguments?.find((a) => a.name.value === name);
    if (argument?.value.kind === Kind.VARIABLE) readsVariable();
    // An omitted argument, or one from an unset variable, takes the schema's default.
    const value = (argument && valueFromASTUntyped(argument.value, variables)) ?? definition.defaultValue;
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, Math.trunc(value));
  }
  // Not the length of an id-list argument (`people(ids: …)`): the subgraphs cap those, and the
  // tracing worker asks for thousands of ids at once through the gateway.
  return DEFAULT_LIST_SIZE;
}
