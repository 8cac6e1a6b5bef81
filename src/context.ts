import type { IncomingHttpHeaders } from "node:http";
import type { Principal } from "./auth/principal";
import type { TokenService } from "./auth/token.service";
import { InvalidTokenError } from "./errors/app-errors";
import type { Loaders } from "./loaders";

export interface RequestContext {
  /** The verified caller, or null for an anonymous request. */
  readonly principal: Principal | null;
  readonly userAgent: string | null;
  readonly loaders: Loaders;
}

/** RFC 6750 §2.1 b64token; the scheme name is case-insensitive (RFC 7235 §2.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Authentication only: turns the Authorization header into a verified principal. A present but
 * unusable header fails the whole request with 401 rather than quietly running it anonymously.
 * Tokens are read from this header alone, never from the query string or the body.
 */
export function authenticate(headers: IncomingHttpHeaders, tokens: TokenService): Principal | null {
  const authorization = headers.authorization;
  if (authorization === undefined) return null;
  const match = BEARER.exec(authorization);
  if (!match) throw new InvalidTokenError();
  return tokens.verifyAccessToken(match[1]);
}
