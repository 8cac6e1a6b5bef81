import type { MiddlewareFn } from "type-graphql";
import { isDatabaseUnavailable, isTransactionConflict } from "../db/db-errors";
import { ServiceUnavailableError } from "../errors/app-errors";

/**
 * Turns "the database cannot be reached" into SERVICE_UNAVAILABLE (HTTP 503) while the error
 * still carries its HTTP status; by the time formatError runs the status is already chosen. So
 * does a conflict with a concurrent transaction that reached the resolver: one the operation does
 * not retry (see src/db/retry.ts), or one that outlasted the retries. The client did not cause it
 * and may try again (Retry-After), which an INTERNAL_SERVER_ERROR would not tell it.
 */
export const databaseErrorsMiddleware: MiddlewareFn = async (_action, next) => {
  try {
    return (await next()) as unknown;
  } catch (error) {
    if (isDatabaseUnavailable(error) || isTransactionConflict(error)) {
      throw new ServiceUnavailableError();
    }
    throw error;
  }
};
