import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "../logging/logger";
import { AppError, ForbiddenError } from "./app-errors";
import { ErrorCode } from "./error-code";
import { UNEXPECTED_ERROR_MESSAGE } from "./http-error-body";

/** Codes Apollo Server and graphql-js give to requests that were wrong, not to server faults. */
const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  ErrorCode.GraphQLParseFailed,
  ErrorCode.GraphQLValidationFailed,
  ErrorCode.BadUserInput,
  ErrorCode.BadRequest,
  ErrorCode.OperationResolutionFailure,
  ErrorCode.PersistedQueryNotFound,
  ErrorCode.PersistedQueryNotSupported,
]);

/**
 * Deliberate errors pass as they are; so do errors in the request itself (syntax, validation,
 * variable types), which graphql-js and Apollo raise as chains of GraphQLErrors alone. Everything else is a
 * fault of ours: logged in full, shown to the client as "Unexpected error.".
 */
export function createFormatError(
  logger: Logger,
  options: { suggestions?: boolean; explainRefusals?: boolean } = {},
) {
  const { suggestions = true, explainRefusals = true } = options;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof ForbiddenError && original.authz && !explainRefusals) {
      // In production the caller learns only FORBIDDEN (and INSUFFICIENT_SCOPE); the rule that
      // refused goes to the debug log, with the request's other lines.
      logger.debug({ authz: original.authz, path: formatted.path }, "authorization refused");
      const extensions = { ...formatted.extensions };
      delete extensions.authz;
      return { ...formatted, extensions };
    }
    if (original instanceof AppError) return formatted;
    const code = formatted.extensions?.code;
    if (typeof code === "string" && REQUEST_ERROR_CODES.has(code) && raisedByGraphQL(original)) {
      const message = withoutVariableValues(formatted.message);
      return { ...formatted, message: suggestions ? message : withoutSuggestions(message) };
    }

    logger.error({ err: original, path: formatted.path }, "unexpected error");
    return {
      message: UNEXPECTED_ERROR_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.InternalServerError },
    };
  };
}

/** True when no link of the error's cause chain is a plain Error, i.e. none came from our code. */
function raisedByGraphQL(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    if (!(current instanceof GraphQLError)) return false;
    current = current.originalError;
  }
  return current === undefined;
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * graphql-js answers a misspelt field, argument, type or enum value with "Did you mean ...?",
 * which lets a caller map the schema with introspection off. graphql-armor's
 * block-field-suggestions does this for validation errors only, as an envelop plugin; here it
 * covers every request error Apollo formats, variable coercion included.
 */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, "");
}

const INVALID_VARIABLE = /^Variable "(\$[^"]+)" got invalid value /;
const VARIABLE_PATH = / at "([^"]+)"; /;
const FIELD_PROBLEM =
  /(Field "[^"]+" (?:of required type "[^"]+" was not provided|is not defined by type "[^"]+")\.)/;

/**
 * graphql-js quotes the submitted value when a variable does not fit its type, which could put a
 * password into an error message. Keep the variable, the path and the field named; drop values.
 */
export function withoutVariableValues(message: string): string {
  const variable = INVALID_VARIABLE.exec(message);
  if (!variable) return message;
  const path = VARIABLE_PATH.exec(message);
  const problem = FIELD_PROBLEM.exec(message);
  return (
    `Variable "${variable[1]}" got an invalid value${path ? ` at "${path[1]}"` : ""}.` +
    (problem ? ` ${problem[1]}` : "")
  );
}
