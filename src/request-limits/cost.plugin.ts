import type { ApolloServerPlugin } from "@apollo/server";
import type { DocumentNode } from "graphql";
import type { RequestContext } from "../context/context.type";
import { CostEstimatedTooExpensiveError } from "../errors/app-errors";
import { type CostOptions, estimateCost } from "./cost";

export interface CostLimit extends CostOptions {
  readonly maxCost: number;
}

/**
 * Refuses an operation whose estimated cost (cost.ts) is over the limit, once it is validated and
 * before any resolver runs. It runs here rather than as a validation rule because the cost depends
 * on variables (`tasks(first: $n)`); Apollo hands back the same parsed document for the same text,
 * so the cost of a document that reads no variable is computed once.
 */
export function costLimitPlugin(limit: CostLimit): ApolloServerPlugin<RequestContext> {
  const known = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return Promise.resolve();
          const name = operation.name?.value ?? "";
          let cost = known.get(document)?.get(name);
          if (cost === undefined) {
            const estimate = estimateCost(schema, document, operation, request.variables, limit);
            cost = estimate.cost;
            if (!estimate.readVariables) {
              const byOperation = known.get(document) ?? new Map<string, number>();
              byOperation.set(name, cost);
              known.set(document, byOperation);
            }
          }
          // The operations of a batch share the limit, as they share the run-time budget.
          const total = contextValue.budget.addEstimate(cost);
          if (total > limit.maxCost) {
            contextValue.budget.removeEstimate(cost);
            const error = new CostEstimatedTooExpensiveError(total, limit.maxCost);
            contextValue.refusal.record(error);
            return Promise.reject(error);
          }
          return Promise.resolve();
        },
        willSendResponse({ response, contextValue }) {
          contextValue.refusal.applyTo(response.http);
          return Promise.resolve();
        },
      });
    },
  };
}
