import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import type { CookieTarget } from "../context/context.factory";
import type { RefreshCookieJar } from "../context/context.type";

export const REFRESH_COOKIE = "refresh_token";

/**
 * The refresh token as a browser keeps it: HttpOnly (scripts never see it), SameSite=Strict and
 * scoped to the GraphQL path (sent nowhere else), Secure in production. Cross-site requests that
 * need no preflight are refused by Apollo's CSRF prevention before any resolver reads it.
 */
export class RefreshCookie implements RefreshCookieJar {
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
