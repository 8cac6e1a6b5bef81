import { ErrorCode } from "./error-code";

/** The body of an error answered outside GraphQL execution, in the shape GraphQL errors have. */
export interface HttpErrorBody {
  readonly errors: ReadonlyArray<{
    readonly message: string;
    readonly extensions: { readonly code: ErrorCode };
  }>;
}

/** Every HTTP-level refusal (404, 413, bad JSON, a batch too large, a fault) is written here. */
export function httpErrorBody(code: ErrorCode, message: string): HttpErrorBody {
  return { errors: [{ message, extensions: { code } }] };
}

export const UNEXPECTED_ERROR_MESSAGE = "Unexpected error.";

export const unexpectedErrorBody = (): HttpErrorBody =>
  httpErrorBody(ErrorCode.InternalServerError, UNEXPECTED_ERROR_MESSAGE);
