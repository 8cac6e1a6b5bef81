import type { Principal } from "../core/principal";

/**
 * The callers a request signed in (register, login, refresh), by the `User` object of their
 * payload. A sign-in request carries no bearer token, yet `login { user { email } }` must read
 * the caller's own fields: the rules on the payload's user take its caller from here, and only for
 * that one object, so signing in never lends permissions to any other field of the document.
 */
export class IssuedPrincipals {
  private readonly byUser = new WeakMap<object, Principal>();

  set(user: object, principal: Principal): void {
    this.byUser.set(user, principal);
  }

  get(user: unknown): Principal | undefined {
    return typeof user === "object" && user !== null ? this.byUser.get(user) : undefined;
  }
}
