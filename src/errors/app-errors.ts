import { GraphQLError } from "graphql";
import { ErrorCode } from "./error-code";

interface AppErrorOptions {
  status?: number;
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
  /** Set only where graphql-js must take the error as already located (see ExecutionBudgetExceededError). */
  path?: ReadonlyArray<string | number>;
}

/**
 * A deliberate, public error: its message and code are safe to show to any client.
 * `http` is read by Apollo Server to set the response status and headers, then dropped
 * from the response body.
 */
export abstract class AppError extends GraphQLError {
  constructor(message: string, code: ErrorCode, options: AppErrorOptions = {}) {
    // Apollo ignores an `http` extension whose `status` key is present but undefined.
    const http = {
      ...(options.status !== undefined ? { status: options.status } : {}),
      ...(options.headers !== undefined ? { headers: toHeaderMap(options.headers) } : {}),
    };
    super(message, {
      extensions: {
        code,
        ...options.extensions,
        ...(Object.keys(http).length > 0 ? { http } : {}),
      },
      ...(options.path ? { path: options.path } : {}),
    });
    this.name = new.target.name;
  }
}

function toHeaderMap(headers: Record<string, string>): Map<string, string> {
  // Apollo's HeaderMap is a Map with lower-cased keys.
  return new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** No signed-in user where one is needed, or bad credentials. HTTP 200, error on the field. */
export class UnauthenticatedError extends AppError {
  constructor(message = "Authentication required.") {
    super(message, ErrorCode.Unauthenticated);
  }
}

/**
 * Which check refused a bearer token, as jose's errors carry `code` and `claim`: for the debug
 * log and the refusal counters only, never for the response.
 */
export type TokenCheck =
  | "authorization-scheme"
  | "length"
  | "format"
  | "header"
  | "kid"
  | "alg"
  | "typ"
  | "crit"
  | "signature"
  | "expired"
  | "not-before"
  | "iss"
  | "aud"
  | "claims"
  | "iat"
  | "revoked"
  | "session"
  | "subject";

export type InvalidTokenReason = "TOKEN_EXPIRED";

/** What a header that is not one bearer token is told: the shape asked for, nothing about a token. */
export const MALFORMED_AUTHORIZATION_MESSAGE =
  'The Authorization header is malformed: expected "Authorization: Bearer <token>".';

function invalidTokenMessage(check: TokenCheck): string {
  if (check === "expired") return "The access token has expired.";
  if (check === "authorization-scheme") return MALFORMED_AUTHORIZATION_MESSAGE;
  return "The access token is invalid.";
}

/**
 * A bearer token was sent and refused: the whole request fails with HTTP 401 (RFC 6750).
 * Every failure of a token shares one message so that a forger learns nothing about which check
 * failed; only an expired token says so, so that a client knows to refresh. A header that is
 * not `Bearer <token>` at all (another scheme, a bare token, nothing after `Bearer`) says which
 * shape is expected: that is a client's mistake in writing the header, and tells nothing about
 * any token. `check` stays internal.
 */
export class InvalidTokenError extends AppError {
  readonly reason?: InvalidTokenReason;

  constructor(readonly check: TokenCheck) {
    const reason = check === "expired" ? "TOKEN_EXPIRED" : undefined;
    super(invalidTokenMessage(check), ErrorCode.Unauthenticated, {
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
      extensions: reason ? { reason } : {},
    });
    this.reason = reason;
  }
}

/**
 * Which rule refused a caller and why (graphql-shield #298): in `extensions.authz` outside
 * production; in production only in the debug log (see format-error.ts).
 */
export interface AuthorizationDetail {
  /** The schema coordinate whose rule refused, e.g. `User.email` or `Mutation.deleteTask`. */
  readonly at: string;
  readonly rule: string;
  readonly requires: string;
  readonly roles: readonly string[];
  readonly scope: readonly string[] | null;
  readonly permissions: readonly string[];
  readonly owner?: boolean;
}

export class ForbiddenError extends AppError {
  readonly authz?: AuthorizationDetail;

  constructor(
    message = "You are not allowed to do this.",
    detail: { reason?: "INSUFFICIENT_SCOPE"; authz?: AuthorizationDetail } = {},
  ) {
    super(message, ErrorCode.Forbidden, {
      extensions: {
        ...(detail.reason ? { reason: detail.reason } : {}),
        ...(detail.authz ? { authz: detail.authz } : {}),
      },
    });
    if (detail.authz) this.authz = detail.authz;
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, field?: string) {
    super(message, ErrorCode.BadUserInput, { extensions: field ? { field } : {} });
  }
}

/** A request sent the wrong way: a subscription over HTTP, a query over the WebSocket. */
export class BadRequestError extends AppError {
  constructor(message: string) {
    super(message, ErrorCode.BadRequest, { status: 400 });
  }
}

export class NotFoundError extends AppError {
  constructor(message = "Not found.") {
    super(message, ErrorCode.NotFound);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number) {
    super("Too many attempts. Try again later.", ErrorCode.TooManyRequests, {
      status: 429,
      headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor() {
    super("The service is temporarily unavailable.", ErrorCode.ServiceUnavailable, {
      status: 503,
      headers: { "Retry-After": "1" },
    });
  }
}

/**
 * An operation whose estimated cost is over GRAPHQL_MAX_COST, refused before any resolver runs.
 * The extensions are Apollo Router's (`cost.estimated`, `cost.max`), so a client written for a
 * router's demand control reads this one too.
 */
export class CostEstimatedTooExpensiveError extends AppError {
  constructor(estimated: number, max: number) {
    super(
      `The estimated cost of this operation (${estimated}) exceeds the maximum of ${max}: ` +
        "ask for smaller pages (first) or fewer nested lists.",
      ErrorCode.CostEstimatedTooExpensive,
      { status: 400, extensions: { "cost.estimated": estimated, "cost.max": max } },
    );
  }
}

export type ExecutionBudgetReason = "RESOLVED_FIELDS" | "EXECUTION_TIME";

/**
 * A request stopped while it ran: it resolved more fields, or ran longer, than allowed. Once it is
 * stopped, every field still to resolve fails with this one error, and tens of thousands may be
 * waiting; an empty `path` makes graphql-js take it as already located (locatedError returns it
 * as it is) instead of building a new error, with a stack trace, for each of them. The response
 * shows this error alone (budget.plugin.ts), never a path.
 */
export class ExecutionBudgetExceededError extends AppError {
  constructor(
    readonly reason: ExecutionBudgetReason,
    readonly limit: number,
  ) {
    super(
      reason === "RESOLVED_FIELDS"
        ? `The request was stopped after resolving ${limit} fields: ask for less in one request.`
        : `The request was stopped after running ${limit} ms: ask for less in one request.`,
      ErrorCode.ExecutionBudgetExceeded,
      { status: 400, extensions: { reason, limit }, path: [] },
    );
  }
}

/**
 * A fault of ours that "cannot happen" (a broken invariant, a misconfiguration): never shown,
 * masked by formatError as "Unexpected error." and logged in full.
 */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InternalError";
  }
}
