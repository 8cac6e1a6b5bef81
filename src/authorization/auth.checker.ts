import type { AuthCheckerFn } from "type-graphql";
import type { RequestContext } from "../context/context.type";
import { ForbiddenError, UnauthenticatedError } from "../errors/app-errors";
import type { Role } from "../core/role";

/**
 * Authorization for `@Authorized(...)`. type-graphql's default answer would be UNAUTHORIZED
 * for both cases; the contract separates "who are you?" from "you may not".
 */
export const authChecker: AuthCheckerFn<RequestContext, Role> = ({ context }, roles) => {
  const principal = context.principal;
  if (!principal) throw new UnauthenticatedError();
  if (roles.length > 0 && !roles.some((role) => principal.roles.includes(role))) {
    throw new ForbiddenError();
  }
  return true;
};
