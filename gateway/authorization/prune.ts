import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from '../../subgraphs/shared/graphql.ts';
import { fragmentsOf } from '../limits/shape.ts';
import { satisfies, type Caller, type Requirement, type SchemaRequirements } from './requirements.ts';

/** A selection removed from an operation because the caller does not meet its requirements. */
export interface Denial {
  /**
   * Response keys (aliases) from the root to the removed field, or to the field whose selection
   * held the removed fragment. No list indices: the field was never executed.
   */
  path: string[];
  /** `Type.field`, or a type name when a fragment on a protected type was removed. */
  coordinate: string;
  /** The requirements the caller does not meet. */
  unmet: Requirement[];
  /** The removed field, inline fragment or fragment spread (for the error's location). */
  node: ASTNode;
}

export interface PruneResult {
  /**
   * The operation to run: the input document itself when nothing was denied; otherwise a new
   * document with the operation and the fragments it still uses, without the denied selections
   * and without any field whose selection set they emptied; null when nothing is left to run.
   */
  document: DocumentNode | null;
  denials: Denial[];
}

/**
 * Removes from the operation every field and fragment the caller may not use:
 *
 * - a field whose own requirement (`Type.field`) or whose return type's requirement is not met;
 * - on an interface (or union), a field that any possible type protects, on the field or on the
 *   type: the object behind the interface may be that type;
 * - an inline fragment or fragment spread on a protected type;
 * - a field whose selection set is left empty (its parent object would otherwise be `{}`); the
 *   denial is reported for the field inside, not for the parent.
 *
 * `__typename` and introspection are never removed. Each fragment is pruned once, so the work is
 * linear in the document; a denial inside a fragment spread in several places is reported at the
 * first of them. Unused variable definitions stay (their values were sent; planning ignores them).
 */
export function pruneOperation(
  schema: GraphQLSchema,
  requirements: SchemaRequirements,
  document: DocumentNode,
  operationName: string | null | undefined,
  caller: Caller,
): PruneResult {
  const operation = findOperation(document, operationName);
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  // Unknown operation or root: @apollo/gateway refuses the request itself.
  if (!operation || !root) return { document, denials: [] };

  const fragments = fragmentsOf(document);
  const denials: Denial[] = [];
  const fieldVerdicts = new Map<string, Requirement[]>();
  const typeVerdicts = new Map<string, Requirement[]>();
  const prunedFragments = new Map<string, SelectionSetNode | null | 'pending'>();

  const unmet = (candidates: Array<Requirement | undefined>): Requirement[] =>
    candidates.filter((r): r is Requirement => r !== undefined && !satisfies(r, caller));

  const typeUnmet = (name: string): Requirement[] => {
    let verdict = typeVerdicts.get(name);
    if (!verdict) typeVerdicts.set(name, (verdict = unmet([requirements.types.get(name)])));
    return verdict;
  };

  const fieldUnmet = (parent: GraphQLCompositeType, name: string): Requirement[] => {
    const key = `${parent.name}.${name}`;
    let verdict = fieldVerdicts.get(key);
    if (verdict) return verdict;
    const candidates: Array<Requirement | undefined> = [requirements.fields.get(key)];
    if (isAbstractType(parent)) {
      for (const possible of schema.getPossibleTypes(parent)) {
        candidates.push(requirements.fields.get(`${possible.name}.${name}`), requirements.types.get(possible.name));
      }
    }
    const field = fieldOf(parent, name);
    if (field) candidates.push(requirements.types.get(getNamedType(field.type).name));
    fieldVerdicts.set(key, (verdict = unmet(candidates)));
    return verdict;
  };

  const pruneSet = (parent: GraphQLCompositeType | undefined, set: SelectionSetNode, path: string[]): SelectionSetNode | null => {
    const kept: SelectionNode[] = [];
    let changed = false;
    for (const selection of set.selections) {
      const next = pruneSelection(parent, selection, path);
      if (next !== selection) changed = true;
      if (next) kept.push(next);
    }
    if (kept.length === 0) return null;
    return changed ? { ...set, selections: kept } : set;
  };

  const typeConditionDenied = (typeName: string, node: ASTNode, path: string[]): boolean => {
    const missing = typeUnmet(typeName);
    if (missing.length === 0) return false;
    denials.push({ path, coordinate: typeName, unmet: missing, node });
    return true;
  };

  const pruneSelection = (parent: GraphQLCompositeType | undefined, selection: SelectionNode, path: string[]): SelectionNode | null => {
    switch (selection.kind) {
      case Kind.FIELD:
        return pruneField(parent, selection, path);
      case Kind.INLINE_FRAGMENT: {
        const typeName = selection.typeCondition?.name.value;
        if (typeName && typeConditionDenied(typeName, selection, path)) return null;
        const type = typeName ? compositeType(schema, typeName) : parent;
        const set = pruneSet(type, selection.selectionSet, path);
        if (!set) return null;
        return set === selection.selectionSet ? selection : { ...selection, selectionSet: set };
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment) return selection;
        if (typeConditionDenied(fragment.typeCondition.name.value, selection, path)) return null;
        let pruned = prunedFragments.get(name);
        if (pruned === undefined) {
          prunedFragments.set(name, 'pending'); // a cycle (refused by validation) stops here
          pruned = pruneSet(compositeType(schema, fragment.typeCondition.name.value), fragment.selectionSet, path);
          prunedFragments.set(name, pruned);
        }
        return pruned === null ? null : selection;
      }
    }
  };

  const pruneField = (parent: GraphQLCompositeType | undefined, node: FieldNode, path: string[]): FieldNode | null => {
    const name = node.name.value;
    // __typename, __schema, __type: no requirements, and introspection types carry none.
    // An unknown parent or field: leave it for @apollo/gateway to refuse.
    if (name.startsWith('__') || !parent) return node;
    const key = (node.alias ?? node.name).value;
    const missing = fieldUnmet(parent, name);
    if (missing.length > 0) {
      denials.push({ path: [...path, key], coordinate: `${parent.name}.${name}`, unmet: missing, node });
      return null;
    }
    if (!node.selectionSet) return node;
    const field = fieldOf(parent, name);
    const child = field ? getNamedType(field.type) : undefined;
    const set = pruneSet(child && isCompositeType(child) ? child : undefined, node.selectionSet, [...path, key]);
    if (!set) return null;
    return set === node.selectionSet ? node : { ...node, selectionSet: set };
  };

  const rootSet = pruneSet(root, operation.selectionSet, []);
  if (denials.length === 0) return { document, denials };
  if (!rootSet) return { document: null, denials };

  const pruned: OperationDefinitionNode = { ...operation, selectionSet: rootSet };
  const used = usedFragments(rootSet, (name) => {
    const set = prunedFragments.get(name);
    return set && set !== 'pending' ? set : undefined;
  });
  const definitions: Array<OperationDefinitionNode | FragmentDefinitionNode> = [pruned];
  for (const name of used) {
    const fragment = fragments.get(name);
    const set = prunedFragments.get(name);
    if (fragment && set && set !== 'pending') definitions.push(set === fragment.selectionSet ? fragment : { ...fragment, selectionSet: set });
  }
  return { document: { kind: Kind.DOCUMENT, definitions }, denials };
}

/** The operation a request runs: the named one, or the only one. */
export function findOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return operations.find((o) => o.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function compositeType(schema: GraphQLSchema, name: string): GraphQLCompositeType | undefined {
  const type = schema.getType(name);
  return type && isCompositeType(type) ? type : undefined;
}

/** Names of the fragments a selection set spreads, directly or through other fragments. */
function usedFragments(set: SelectionSetNode, bodyOf: (name: string) => SelectionSetNode | undefined): Set<string> {
  const used = new Set<string>();
  const walk = (current: SelectionSetNode) => {
    for (const selection of current.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        if (used.has(name)) continue;
        used.add(name);
        const body = bodyOf(name);
        if (body) walk(body);
      } else if (selection.selectionSet) walk(selection.selectionSet);
    }
  };
  walk(set);
  return used;
}
