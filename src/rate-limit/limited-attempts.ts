import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  type OperationDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { parseRefreshToken } from "../auth/refresh-token";
import { canonicalEmail } from "../core/email";

/** The operations that check a password or a refresh token. */
export type LimitedOperation = "login" | "register" | "refresh" | "changePassword";

const LIMITED_OPERATIONS: ReadonlySet<string> = new Set([
  "login",
  "register",
  "refresh",
  "changePassword",
]);

/** One sign-in or refresh attempt a document would make, with what its counters are keyed by. */
export interface Attempt {
  readonly operation: LimitedOperation;
  /** login and register: the email as accounts are looked up by (trimmed, lower-cased). */
  readonly account?: string;
  /** refresh: the session named by the refresh token (argument, else cookie), if well formed. */
  readonly sessionId?: string;
  /** changePassword: the signed-in caller, whose current password it checks. */
  readonly userId?: string;
}

export interface AttemptSource {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  /** The refresh cookie, which `refresh` falls back to without an argument. */
  readonly refreshCookie: string | undefined;
  /** The signed-in caller's id, if any. */
  readonly userId: string | undefined;
}

/**
 * The login, register, refresh and changePassword calls an operation will make: one per root
 * field of the mutation, aliases apart, through fragments and inline fragments, with the argument
 * values the resolvers will receive. Runs after validation, before execution.
 *
 * Root fields are grouped by response key, as the executor does (two selections of
 * `login(input: $i)` without aliases are one call). `@skip` and `@include` are not evaluated:
 * a field they would drop is still counted, so the count never falls short of what runs.
 * Each fragment is expanded once per operation, as in execution, which also bounds the walk.
 */
export function collectAttempts(source: AttemptSource): Attempt[] {
  const { schema, document, operation } = source;
  const mutationType = schema.getMutationType();
  if (operation.operation !== OperationTypeNode.MUTATION || !mutationType) return [];

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const fields = new Map<string, FieldNode>();
  collectRootFields(operation.selectionSet, fragments, new Set(), fields);
  const limited = [...fields.values()].filter((field) => LIMITED_OPERATIONS.has(field.name.value));
  // Most mutations (tasks, roles) call none of them: no variable coercion for those.
  if (limited.length === 0) return [];

  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    source.variables ?? {},
  );
  // Execution refuses the whole operation for the same errors, before any resolver runs.
  if (coerced.errors) return [];

  const attempts: Attempt[] = [];
  for (const field of limited) {
    const name = field.name.value;
    const definition = mutationType.getFields()[name];
    let args: Record<string, unknown> = {};
    try {
      args = definition ? getArgumentValues(definition, field, coerced.coerced) : {};
    } catch (error) {
      // The resolver will not run with arguments that do not coerce; count the call anyway.
      if (!(error instanceof GraphQLError)) throw error;
    }
    attempts.push(attemptOf(name as LimitedOperation, args, source));
  }
  return attempts;
}

function collectRootFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visitedFragments: Set<string>,
  fields: Map<string, FieldNode>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const responseKey = selection.alias?.value ?? selection.name.value;
      if (!fields.has(responseKey)) fields.set(responseKey, selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectRootFields(selection.selectionSet, fragments, visitedFragments, fields);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (visitedFragments.has(name) || !fragment) continue;
      visitedFragments.add(name);
      collectRootFields(fragment.selectionSet, fragments, visitedFragments, fields);
    }
  }
}

function attemptOf(
  operation: LimitedOperation,
  args: Record<string, unknown>,
  source: AttemptSource,
): Attempt {
  if (operation === "changePassword") {
    return source.userId ? { operation, userId: source.userId } : { operation };
  }
  if (operation === "refresh") {
    const token = typeof args.refreshToken === "string" ? args.refreshToken : source.refreshCookie;
    const sessionId = token ? parseRefreshToken(token)?.sessionId : undefined;
    return sessionId ? { operation, sessionId } : { operation };
  }
  const input = args.input as { email?: unknown } | undefined;
  const email = typeof input?.email === "string" ? canonicalEmail(input.email) : undefined;
  return email ? { operation, account: email } : { operation };
}
