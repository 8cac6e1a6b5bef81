import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { RequestContext } from "../context/context.type";
import type { AttemptLimits } from "./attempt-limits";
import { collectAttempts } from "./limited-attempts";

/**
 * Counts an operation's login, register, refresh and changePassword calls once it is parsed and
 * validated, and refuses the whole operation when a counter is over its limit, before any
 * resolver runs (so a document of fifty aliased logins costs no password hashing). Each
 * operation of a batch passes through here; their counts add up in the shared counters.
 */
export function rateLimitPlugin(limits: AttemptLimits): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          const attempts = collectAttempts({
            schema,
            document,
            operation,
            variables: request.variables,
            refreshCookie: contextValue.refreshCookie.read(),
            userId: contextValue.principal?.userId,
          });
          if (attempts.length === 0) return;
          try {
            await limits.admit(attempts, contextValue.origin);
          } catch (error) {
            if (error instanceof GraphQLError) contextValue.refusal.record(error);
            throw error;
          }
        },
        willSendResponse({ response, contextValue }) {
          contextValue.refusal.applyTo(response.http);
          return Promise.resolve();
        },
      });
    },
  };
}
