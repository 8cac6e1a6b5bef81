import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestContext } from "../context/context.type";
import type { Logger } from "../logging/logger";

/**
 * Answers a request whose budget ran out with that one error instead of whatever it had resolved
 * so far: the partial result (and the errors of every field refused after the budget was spent)
 * is dropped here, so none of it is serialized or kept.
 */
export function executionBudgetPlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  // The operations of a batch share one budget and so one error: log it once.
  const logged = new WeakSet<object>();
  return {
    requestDidStart() {
      return Promise.resolve({
        willSendResponse({ response, contextValue }) {
          const error = contextValue.budget.exceeded;
          if (error) {
            contextValue.refusal.record(error);
            if (!logged.has(error)) {
              logged.add(error);
              logger.warn(
                {
                  requestId: contextValue.origin.requestId,
                  reason: error.reason,
                  limit: error.limit,
                },
                "request stopped: execution budget exceeded",
              );
            }
            const extensions = {
              code: error.extensions.code,
              reason: error.reason,
              limit: error.limit,
            };
            response.body = {
              kind: "single",
              singleResult: { data: null, errors: [{ message: error.message, extensions }] },
            };
          }
          contextValue.refusal.applyTo(response.http);
          return Promise.resolve();
        },
      });
    },
  };
}
