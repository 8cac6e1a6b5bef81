import type { Principal } from "../core/principal";
import type { RequestOrigin } from "../core/request-origin";
import type { ExecutionBudget } from "./execution-budget";
import type { IssuedPrincipals } from "./issued-principals";
import type { RequestLoaders } from "./request-loaders";
import type { RequestRefusal } from "./request-refusal";

/** The refresh token as the browser keeps it, in its cookie (auth/refresh-cookie.ts). */
export interface RefreshCookieJar {
  /** The refresh token the browser sent, if any. */
  read(): string | undefined;
  set(token: string, maxAgeSeconds: number): void;
  clear(): void;
}

/** What every resolver of one request sees: built once per request by the context factory. */
export interface RequestContext {
  /** The verified caller, or null for an anonymous request. */
  readonly principal: Principal | null;
  /** Request id, client address and user agent, for the services' audit lines and counters. */
  readonly origin: RequestOrigin;
  /** Per-request batching of database reads (DataLoader), so nested fields cost no N + 1. */
  readonly loaders: RequestLoaders;
  readonly refreshCookie: RefreshCookieJar;
  /** Shared by the operations of a batched request, so a refusal sets the whole response's status. */
  readonly refusal: RequestRefusal;
  /** Fields and time this request may still spend executing, all its operations together. */
  readonly budget: ExecutionBudget;
  /** Whom this request signed in, for the rules on its payload's `user` (see IssuedPrincipals). */
  readonly issued: IssuedPrincipals;
}
