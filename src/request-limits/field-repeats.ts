import type { ApolloServerPlugin } from "@apollo/server";
import {
  GraphQLError,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from "graphql";

/**
 * graphql-js's OverlappingFieldsCanBeMergedRule compares every two fields of one response name
 * in a selection set, sub-selections included: `{ me { tasks { id } tasks { id } ... } }` with
 * 240 copies, well inside the token limit, takes 40 to 200 ms of validation on this hardware, and
 * a batch of ten validates ten such documents back to back. Refusing a response name repeated more
 * than `max` times in one selection set (fragments and inline fragments merged, as graphql-js
 * merges them) bounds that work.
 */
export function maxRepeatsFound(document: DocumentNode, max: number): string | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const counted = new Set<SelectionSetNode>();
  let found: string | undefined;

  const countLevel = (
    set: SelectionSetNode,
    counts: Map<string, number>,
    spread: Set<string>,
  ): void => {
    for (const selection of set.selections) {
      if (found) return;
      if (selection.kind === Kind.FIELD) {
        const name = selection.alias?.value ?? selection.name.value;
        const count = (counts.get(name) ?? 0) + 1;
        counts.set(name, count);
        if (count > max) found = name;
        if (selection.selectionSet) check(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        countLevel(selection.selectionSet, counts, spread);
      } else if (!spread.has(selection.name.value)) {
        // A fragment spread twice at one level adds nothing new for graphql-js to compare.
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) countLevel(fragment.selectionSet, counts, spread);
      }
    }
  };
  const check = (set: SelectionSetNode): void => {
    if (counted.has(set) || found) return;
    counted.add(set);
    countLevel(set, new Map(), new Set());
  };

  for (const definition of document.definitions) {
    if (
      definition.kind === Kind.OPERATION_DEFINITION ||
      definition.kind === Kind.FRAGMENT_DEFINITION
    ) {
      check(definition.selectionSet);
    }
  }
  return found;
}

/**
 * Refuses such a document with 400 GRAPHQL_VALIDATION_FAILED, like the other document limits.
 * An error thrown from a plugin hook would be a 500, and validation rules cannot stop the others,
 * so the plugin, just before validation, swaps the document for a one-field stand-in that the
 * rule then refuses with the message: graphql-js never compares the repeated fields at all.
 */
export function fieldRepeatsGuard(max: number): {
  plugin: ApolloServerPlugin;
  rule: ValidationRule;
} {
  const refused = new WeakMap<DocumentNode, string>();
  const plugin: ApolloServerPlugin = {
    requestDidStart() {
      return Promise.resolve({
        validationDidStart(requestContext) {
          const name = maxRepeatsFound(requestContext.document, max);
          if (name !== undefined) {
            const standIn = parse("{ __typename }");
            refused.set(
              standIn,
              `Field "${name}" is repeated more than ${max} times in one selection set.`,
            );
            (requestContext as { document: DocumentNode }).document = standIn;
          }
          return Promise.resolve();
        },
      });
    },
  };
  const rule: ValidationRule = (context) => ({
    Document(node) {
      const message = refused.get(node);
      if (message) context.reportError(new GraphQLError(message));
    },
  });
  return { plugin, rule };
}
