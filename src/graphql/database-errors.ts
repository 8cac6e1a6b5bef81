import { type GraphQLFieldResolver, type GraphQLSchema, isObjectType } from "graphql";
import { isDatabaseUnavailable, isTransactionConflict } from "../db/db-errors";
import { ServiceUnavailableError } from "../errors/app-errors";

/**
 * Turns "the database cannot be reached" into SERVICE_UNAVAILABLE (HTTP 503) while the error
 * still carries its HTTP status; by the time formatError runs the status is already chosen. So
 * does a conflict with a concurrent transaction that reached the resolver: one the operation does
 * not retry (see src/db/retry.ts), or one that outlasted the retries. The client did not cause it
 * and may try again (Retry-After), which an INTERNAL_SERVER_ERROR would not tell it.
 */
export function databaseErrorOutcome(error: unknown): unknown {
  return isDatabaseUnavailable(error) || isTransactionConflict(error)
    ? new ServiceUnavailableError()
    : error;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * One resolver, its database failures translated (databaseErrorOutcome). Synchronous for a
 * synchronous resolver: a plain field pays a call, not a promise. (A type-graphql global
 * middleware did this before, and type-graphql runs any middleware as two async functions per
 * field: a list of a hundred tasks with their owners paid for some 700 of them.)
 */
export function translatingDatabaseErrors<S, C>(
  resolve: GraphQLFieldResolver<S, C>,
): GraphQLFieldResolver<S, C> {
  const rethrow = (error: unknown): never => {
    throw databaseErrorOutcome(error);
  };
  return (source, args, context, info) => {
    let result: unknown;
    try {
      result = resolve(source, args, context, info);
    } catch (error) {
      return rethrow(error);
    }
    return isPromise(result) ? result.then(undefined, rethrow) : result;
  };
}

/** Every field resolver of the schema (introspection's excepted) with translatingDatabaseErrors. */
export function translateDatabaseErrors(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.resolve) field.resolve = translatingDatabaseErrors(field.resolve);
    }
  }
  return schema;
}
