import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";

/**
 * The names of the fields selected on the value of the field being resolved, through fragments
 * and inline fragments alike. `@skip` and `@include` are not evaluated: a field they may leave
 * out is still named, so the set holds at least what execution will ask for, never less.
 */
export function selectedFieldNames(info: GraphQLResolveInfo): ReadonlySet<string> {
  const names = new Set<string>();
  const visited = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        // Validation refuses fragment cycles; `visited` keeps this walk finite regardless.
        visited.add(selection.name.value);
        visit(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return names;
}
