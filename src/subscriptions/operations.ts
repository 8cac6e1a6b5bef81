import {
  type ExecutionArgs,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import type { SubscribePayload } from "graphql-ws";
import type { Authorizer } from "../authorization/auth.checker";
import { rules } from "../authorization/rules";
import type { GraphQLLimits } from "../config/config";
import type { ExecutionBudget } from "../context/execution-budget";
import type { Principal } from "../core/principal";
import { ErrorCode } from "../errors/error-code";
import { limitRules, parseOptions } from "../request-limits/document-limits";
import type { TaskChangeFeed } from "../tasks/task-change";
import { LiveContext } from "./live-context";
import type { LiveConnection } from "./live-connection";
import type { TaskChangeBus } from "./task-change-bus";

/** What running an operation on a socket needs. */
export interface OperationSources {
  readonly schema: GraphQLSchema;
  readonly graphqlLimits: GraphQLLimits;
  readonly authorizer: Authorizer;
  readonly bus: TaskChangeBus;
  /** The revocation view's answer for a principal now: null when revoked; throws when stale. */
  current(principal: Principal): Principal | null;
  budget(): ExecutionBudget;
}

export const ONLY_SUBSCRIPTIONS_MESSAGE =
  "Only subscriptions are served over WebSocket; send queries and mutations over HTTP.";

function requestError(message: string, code: ErrorCode): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code } })];
}

/**
 * A `subscribe` message to what graphql-ws executes, or the errors it answers with. The same
 * document limits as over HTTP (tokens, depth, aliases, directives); only subscriptions run, so
 * sign-in, refresh and every other mutation stay on HTTP with its rate limits.
 */
export function subscribeOperation(
  sources: OperationSources,
  connection: LiveConnection,
  payload: SubscribePayload,
  current: (principal: Principal) => Principal | null,
): ExecutionArgs | readonly GraphQLError[] {
  const { schema, graphqlLimits } = sources;
  let document;
  try {
    document = parse(payload.query, parseOptions(graphqlLimits));
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : "Syntax error.";
    return requestError(message, ErrorCode.GraphQLParseFailed);
  }
  const operation = getOperationAST(document, payload.operationName);
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    return requestError(ONLY_SUBSCRIPTIONS_MESSAGE, ErrorCode.BadRequest);
  }
  const invalid = validate(schema, document, [...specifiedRules, ...limitRules(graphqlLimits)]);
  if (invalid.length > 0) {
    return invalid.map(
      (error) =>
        new GraphQLError(error.message, {
          nodes: error.nodes,
          extensions: { code: ErrorCode.GraphQLValidationFailed, ...error.extensions },
        }),
    );
  }
  const contextValue = new LiveContext(
    () => current(connection.principal),
    connection.origin,
    () => sources.budget(),
    (context): TaskChangeFeed => ({
      changes: (all, filter) => {
        if (all) {
          sources.authorizer.require(rules.readAllTasks, context.principal, "unknown", {
            at: "Subscription.taskEvents",
            origin: connection.origin,
          });
        }
        return sources.bus.stream(filter, connection.signal);
      },
    }),
  );
  return {
    schema,
    document,
    operationName: payload.operationName,
    variableValues: payload.variables,
    contextValue,
  };
}
