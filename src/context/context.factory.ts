import type { IncomingHttpHeaders } from "node:http";
import type { Principal } from "../core/principal";
import type { RefreshCookieJar, RequestContext } from "./context.type";
import type { ExecutionBudget } from "./execution-budget";
import { RequestLoaders } from "./request-loaders";
import { RequestRefusal } from "./request-refusal";
import { IssuedPrincipals } from "./issued-principals";

/** Where a Set-Cookie header goes: the HTTP response, whatever the HTTP framework. */
export interface CookieTarget {
  append(field: string, value: string): unknown;
}

/** A request as the context needs it, independent of the HTTP framework that received it. */
export interface IncomingRequest {
  readonly headers: IncomingHttpHeaders;
  readonly requestId: string;
  /** The peer's address, or one from X-Forwarded-For as TRUST_PROXY allows. */
  readonly clientAddress: string | null;
  readonly response: CookieTarget;
}

export interface ContextSources {
  /** The Authorization header to a verified principal, null without one; rejects with a 401. */
  authenticate(authorization: string | undefined): Promise<Principal | null>;
  refreshCookie(cookieHeader: string | undefined, response: CookieTarget): RefreshCookieJar;
  /** A fresh run-time budget for the request. */
  budget(): ExecutionBudget;
}

/** Builds each request's context: authentication first, so a bad token fails the request. */
export function contextFactory(
  sources: ContextSources,
): (request: IncomingRequest) => Promise<RequestContext> {
  // A refused token rejects the context promise: the HTTP integration turns the error's status
  // (401, 503) into the response's.
  return async (request) => {
    const { headers } = request;
    return {
      principal: await sources.authenticate(headers.authorization),
      origin: {
        requestId: request.requestId,
        clientAddress: request.clientAddress,
        userAgent: headers["user-agent"] ?? null,
      },
      loaders: new RequestLoaders(),
      refreshCookie: sources.refreshCookie(headers.cookie, request.response),
      refusal: new RequestRefusal(),
      issued: new IssuedPrincipals(),
      budget: sources.budget(),
    };
  };
}
