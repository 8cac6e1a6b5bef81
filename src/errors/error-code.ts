/** The public error codes of the API contract, carried in `extensions.code`. */
export enum ErrorCode {
  Unauthenticated = "UNAUTHENTICATED",
  Forbidden = "FORBIDDEN",
  BadUserInput = "BAD_USER_INPUT",
  NotFound = "NOT_FOUND",
  TooManyRequests = "TOO_MANY_REQUESTS",
  ServiceUnavailable = "SERVICE_UNAVAILABLE",
  InternalServerError = "INTERNAL_SERVER_ERROR",
}
