import type { MiddlewareFn } from "type-graphql";
import { isDatabaseUnavailable } from "../db/db-errors";
import { ServiceUnavailableError } from "../errors/app-errors";

/**
 * Turns "the database cannot be reached" into SERVICE_UNAVAILABLE (HTTP 503) while the error
 * still carries its HTTP status; by the time formatError runs the status is already chosen.
 */
export const databaseErrorsMiddleware: MiddlewareFn = async (_action, next) => {
  try {
    return (await next()) as unknown;
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw new ServiceUnavailableError();
    throw error;
  }
};
