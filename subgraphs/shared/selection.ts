import { Kind, type FieldNode, type GraphQLResolveInfo, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * What a resolver's selection asks for, by field name. Walks fields directly on the selection,
 * inline fragments and named fragments on `typeName` (or without a type condition); works for
 * `_entities` too, whose selection is `... on <Type> { … }`. Cached per field node, so a list of
 * 10,000 rows costs one walk.
 */
function selectedNames(typeName: string): (info: GraphQLResolveInfo) => ReadonlySet<string> {
  const cache = new WeakMap<readonly FieldNode[], ReadonlySet<string>>();
  return (info) => {
    const cached = cache.get(info.fieldNodes);
    if (cached) return cached;
    const found = new Set<string>();
    const visit = (set: SelectionSetNode | undefined) => {
      for (const selection of set?.selections ?? []) {
        if (selection.kind === Kind.FIELD) {
          found.add(selection.name.value);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (!selection.typeCondition || selection.typeCondition.name.value === typeName) visit(selection.selectionSet);
        } else {
          const fragment = info.fragments[selection.name.value];
          if (fragment?.typeCondition.name.value === typeName) visit(fragment.selectionSet);
        }
      }
    };
    for (const node of info.fieldNodes) visit(node.selectionSet);
    cache.set(info.fieldNodes, found);
    return found;
  };
}

/** Which of `fields` a resolver's selection on `typeName` asks for (sub-selections ignored), in `fields` order. */
export function fieldSelector<F extends string>(typeName: string, fields: readonly F[]): (info: GraphQLResolveInfo) => F[] {
  const names = selectedNames(typeName);
  const cache = new WeakMap<ReadonlySet<string>, F[]>();
  return (info) => {
    const found = names(info);
    let result = cache.get(found);
    if (!result) cache.set(found, (result = fields.filter((f) => found.has(f))));
    return result;
  };
}

/**
 * Whether a resolver's selection on `typeName` asks for nothing but `fields` (e.g. only the key,
 * `id`): then a reference `{ id }` answers it, with no look-up. A list of 12,000 exposures asking
 * for `venue { id }` then resolves without a promise per row (measured: a third of the
 * subgraph's time for tracing's F2 look-up went to awaiting the venue loader).
 */
export function selectsOnly(typeName: string, fields: readonly string[]): (info: GraphQLResolveInfo) => boolean {
  const names = selectedNames(typeName);
  const allowed = new Set([...fields, '__typename']);
  const cache = new WeakMap<ReadonlySet<string>, boolean>();
  return (info) => {
    const found = names(info);
    let only = cache.get(found);
    if (only === undefined) cache.set(found, (only = [...found].every((name) => allowed.has(name))));
    return only;
  };
}

/**
 * Whether any of `names` is selected anywhere below a resolver's field (every depth, every
 * fragment whatever its type condition: a conservative answer). Cached per field node.
 */
export function selectsAnywhereBelow(names: readonly string[]): (info: GraphQLResolveInfo) => boolean {
  const wanted = new Set(names);
  const cache = new WeakMap<readonly FieldNode[], boolean>();
  return (info) => {
    const cached = cache.get(info.fieldNodes);
    if (cached !== undefined) return cached;
    const seen = new Set<string>();
    const found = (set: SelectionSetNode | undefined): boolean =>
      (set?.selections ?? []).some((selection) => {
        if (selection.kind === Kind.FIELD) return wanted.has(selection.name.value) || found(selection.selectionSet);
        if (selection.kind === Kind.INLINE_FRAGMENT) return found(selection.selectionSet);
        if (seen.has(selection.name.value)) return false;
        seen.add(selection.name.value);
        return found(info.fragments[selection.name.value]?.selectionSet);
      });
    const result = info.fieldNodes.some((node) => found(node.selectionSet));
    cache.set(info.fieldNodes, result);
    return result;
  };
}

/** Whether the resolver's field is the operation's only root field (not reached through a fragment or beside others). */
export function isOnlyRootField(info: GraphQLResolveInfo): boolean {
  const roots = info.operation.selectionSet.selections;
  return info.path.prev === undefined && roots.length === 1 && roots[0]!.kind === Kind.FIELD;
}

/**
 * The `_entities` field of an entity fetch: a query whose one root field is `_entities`, without
 * alias or directive (nothing that could change what it returns); null for any other operation.
 * The subgraph says such answers may be kept (shared/subgraph.ts) and the gateway keeps them
 * (gateway/entity-cache.ts) by this one reading.
 */
export function entitiesFieldOf(operation: OperationDefinitionNode): FieldNode | null {
  const [root, ...others] = operation.selectionSet.selections;
  const only = operation.operation === 'query' && others.length === 0 && root?.kind === Kind.FIELD && root.name.value === '_entities' && !root.alias && !root.directives?.length;
  return only ? root : null;
}
