import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from '../../subgraphs/shared/graphql.ts';
import type { Role } from '../../subgraphs/shared/identity.ts';
import { fragmentsOf } from './shape.ts';

/** Who may introspect the graph in production (in development everyone with a token may). */
export const INTROSPECTION_ROLES: ReadonlySet<Role> = new Set<Role>(['national_official', 'province_official']);

/**
 * Whether an operation asks for `__schema` or `__type` (under any alias, through inline fragments
 * or fragment spreads). Both exist only on the query root, so only the root selection is searched.
 * `__typename` is not introspection.
 */
export function usesIntrospection(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = fragmentsOf(document);
  const seen = new Set<string>();
  const search = (set: SelectionSetNode): boolean =>
    set.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === '__schema' || selection.name.value === '__type';
      if (selection.kind === Kind.INLINE_FRAGMENT) return search(selection.selectionSet);
      const name = selection.name.value;
      if (seen.has(name)) return false;
      seen.add(name);
      const fragment = fragments.get(name);
      return fragment ? search(fragment.selectionSet) : false;
    });
  return search(operation.selectionSet);
}
