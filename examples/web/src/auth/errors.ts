import { ServerError, ServerParseError } from "@apollo/client/errors";
import isNetworkError from "is-network-error";

/** The refresh cookie was refused: the session is over (signed out elsewhere, or expired). */
export class SessionExpiredError extends Error {
  constructor() {
    super("Your session has ended. Please sign in again.");
    this.name = "SessionExpiredError";
  }
}

/** No answer from the API: it is down, restarting, or the network is. Says nothing of the session. */
export class ApiUnreachableError extends Error {
  constructor(options?: ErrorOptions) {
    super("Can't reach the API.", options);
    this.name = "ApiUnreachableError";
  }
}

// What a reverse proxy in front of the API (vite's, nginx) answers, in a page of its own, when the
// API behind it does not answer. The API's own 503 (its database down) is a GraphQL response with
// SERVICE_UNAVAILABLE and is shown as the API words it.
const PROXY_GAVE_UP = new Set([502, 503, 504]);

/**
 * Whether a failed request never reached a working API, as opposed to the API answering "no"
 * (wrong password, ended session), which must be told apart for the person to know what to do.
 */
export function isApiUnreachable(error: unknown): boolean {
  if (error instanceof ApiUnreachableError) return true;
  // fetch rejects with a browser-specific TypeError when no response comes at all.
  if (isNetworkError(error)) return true;
  return (
    (ServerError.is(error) || ServerParseError.is(error)) && PROXY_GAVE_UP.has(error.statusCode)
  );
}
