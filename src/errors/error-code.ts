/** The public error codes of the API contract, carried in `extensions.code`. */
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
}
