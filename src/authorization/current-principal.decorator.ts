import { createParameterDecorator } from "type-graphql";
import type { RequestContext } from "../context/context.type";
import { UnauthenticatedError } from "../errors/app-errors";

/** The verified caller of a guarded resolver; refuses rather than hands out null. */
export function CurrentPrincipal() {
  return createParameterDecorator<RequestContext>(({ context }) => {
    if (!context.principal) throw new UnauthenticatedError();
    return context.principal;
  });
}
