/**
 * Every code the server puts in `extensions.code`: the contract's, the HTTP layer's, and those
 * Apollo Server and graphql-js give to requests that were wrong.
 */
export enum ErrorCode {
  Unauthenticated = "UNAUTHENTICATED",
  Forbidden = "FORBIDDEN",
  BadUserInput = "BAD_USER_INPUT",
  NotFound = "NOT_FOUND",
  TooManyRequests = "TOO_MANY_REQUESTS",
  ServiceUnavailable = "SERVICE_UNAVAILABLE",
  /** Apollo Router's demand-control code: refused before execution, estimate in extensions. */
  CostEstimatedTooExpensive = "COST_ESTIMATED_TOO_EXPENSIVE",
  /** Stopped while running: too many fields resolved, or too long. */
  ExecutionBudgetExceeded = "EXECUTION_BUDGET_EXCEEDED",
  InternalServerError = "INTERNAL_SERVER_ERROR",
  /** The HTTP body was not JSON (or not the shape a GraphQL request has). */
  BadRequest = "BAD_REQUEST",
  PayloadTooLarge = "PAYLOAD_TOO_LARGE",
  BatchTooLarge = "BATCH_TOO_LARGE",
  // Raised by Apollo Server or graphql-js, passed through by formatError:
  GraphQLParseFailed = "GRAPHQL_PARSE_FAILED",
  GraphQLValidationFailed = "GRAPHQL_VALIDATION_FAILED",
  OperationResolutionFailure = "OPERATION_RESOLUTION_FAILURE",
  PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND",
  PersistedQueryNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED",
}
