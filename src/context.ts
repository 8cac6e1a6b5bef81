import type { IncomingHttpHeaders } from "node:http";
import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import type { RequestRefusal } from "./abuse/request-refusal";
import type { Principal } from "./core/principal";
import type { RequestOrigin } from "./core/request-origin";
import type { RevocationStore } from "./auth/revocation-store";
import type { TokenService } from "./auth/token.service";
import { InvalidTokenError } from "./errors/app-errors";
import type { Loaders } from "./loaders";

export interface RequestContext {
  /** The verified caller, or null for an anonymous request. */
  readonly principal: Principal | null;
  /** Request id, client address and user agent, for the services' audit lines and counters. */
  readonly origin: RequestOrigin;
  readonly loaders: Loaders;
  readonly refreshCookie: RefreshCookie;
  /** Shared by the operations of a batched request, so a refusal sets the whole response's status. */
  readonly refusal: RequestRefusal;
}

/** RFC 6750 §2.1 b64token; the scheme name is case-insensitive (RFC 7235 §2.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Authentication only: turns the Authorization header into a verified principal. A present but
 * unusable header fails the whole request with 401 rather than quietly running it anonymously.
 * Tokens are read from this header alone, never from the query string or the body.
 */
export function authenticate(
  headers: IncomingHttpHeaders,
  tokens: TokenService,
  revocations: RevocationStore,
): Principal | null {
  const authorization = headers.authorization;
  if (authorization === undefined) return null;
  const match = BEARER.exec(authorization);
  if (!match) throw new InvalidTokenError();
  const principal = revocations.check(tokens.verifyAccessToken(match[1]));
  if (!principal) throw new InvalidTokenError();
  return principal;
}

export const REFRESH_COOKIE = "refresh_token";

interface CookieTarget {
  append(field: string, value: string): unknown;
}

/**
 * The refresh token as a browser keeps it: HttpOnly (scripts never see it), SameSite=Strict and
 * scoped to the GraphQL path (sent nowhere else), Secure in production. Cross-site requests that
 * need no preflight are refused by Apollo's CSRF prevention before any resolver reads it.
 */
export class RefreshCookie {
  private readonly incoming: string | undefined;

  constructor(
    cookieHeader: string | undefined,
    private readonly response: CookieTarget,
    private readonly options: { secure: boolean; path: string },
  ) {
    this.incoming = cookieHeader ? parseCookies(cookieHeader)[REFRESH_COOKIE] : undefined;
  }

  read(): string | undefined {
    return this.incoming || undefined;
  }

  set(token: string, maxAgeSeconds: number): void {
    this.write(token, maxAgeSeconds);
  }

  clear(): void {
    this.write("", 0);
  }

  private write(value: string, maxAge: number): void {
    this.response.append(
      "Set-Cookie",
      serializeCookie(REFRESH_COOKIE, value, {
        httpOnly: true,
        sameSite: "strict",
        secure: this.options.secure,
        path: this.options.path,
        maxAge,
      }),
    );
  }
}
