import { GraphQLError } from "graphql";
import { ErrorCode } from "./error-code";

interface AppErrorOptions {
  status?: number;
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
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
  | "revoked";

export type InvalidTokenReason = "TOKEN_EXPIRED";

/**
 * A bearer token was sent and refused: the whole request fails with HTTP 401 (RFC 6750).
 * Every failure shares one message so that a forger learns nothing about which check failed;
 * only an expired token says so, so that a client knows to refresh. `check` stays internal.
 */
export class InvalidTokenError extends AppError {
  readonly reason?: InvalidTokenReason;

  constructor(readonly check: TokenCheck) {
    const reason = check === "expired" ? "TOKEN_EXPIRED" : undefined;
    super(
      reason === "TOKEN_EXPIRED" ? "The access token has expired." : "The access token is invalid.",
      ErrorCode.Unauthenticated,
      {
        status: 401,
        headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
        extensions: reason ? { reason } : {},
      },
    );
    this.reason = reason;
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You are not allowed to do this.") {
    super(message, ErrorCode.Forbidden);
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, field?: string) {
    super(message, ErrorCode.BadUserInput, { extensions: field ? { field } : {} });
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
 * A fault of ours that "cannot happen" (a broken invariant, a misconfiguration): never shown,
 * masked by formatError as "Unexpected error." and logged in full.
 */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InternalError";
  }
}
