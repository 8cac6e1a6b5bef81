import type { GraphQLResolveInfo } from "graphql";
import type { ResolverData } from "type-graphql";
import { RequestRefusal } from "../../../src/context/request-refusal";
import { authChecker } from "../../../src/authorization/auth.checker";
import type { Principal } from "../../../src/core/principal";
import type { RefreshCookieJar, RequestContext } from "../../../src/context/context.type";
import { RequestLoaders } from "../../../src/context/request-loaders";
import type { RequestBudget } from "../../../src/request-limits/budget";
import { ForbiddenError, UnauthenticatedError } from "../../../src/errors/app-errors";
import { Role } from "../../../src/core/role";

const principal = (roles: Role[]): Principal => ({
  userId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  sessionId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  tokenId: "16fd2706-8baf-433b-82eb-8c7fada847da",
  roles,
  issuedAt: 1_893_456_000,
  expiresAt: 1_893_456_900,
});

const resolverData = (who: Principal | null): ResolverData<RequestContext> => ({
  root: undefined,
  args: {},
  context: {
    principal: who,
    origin: { requestId: "test", clientAddress: "127.0.0.1", userAgent: null },
    loaders: new RequestLoaders(),
    refreshCookie: {} as RefreshCookieJar,
    refusal: new RequestRefusal(),
    budget: {} as RequestBudget,
  },
  info: {} as GraphQLResolveInfo,
});

/** Runs the checker and returns what it threw, failing the test when it threw nothing. */
function refusal(who: Principal | null, roles: Role[]): unknown {
  try {
    void authChecker(resolverData(who), roles);
  } catch (error) {
    return error;
  }
  throw new Error("expected the auth checker to throw");
}

describe("authChecker", () => {
  it("refuses an anonymous caller with UNAUTHENTICATED", () => {
    const error = refusal(null, []);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({
      message: "Authentication required.",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("refuses an anonymous caller with UNAUTHENTICATED, not FORBIDDEN, when roles are required", () => {
    const error = refusal(null, [Role.ADMIN]);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });

  it("refuses a signed-in caller without the required role with FORBIDDEN", () => {
    const error = refusal(principal([Role.USER]), [Role.ADMIN]);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({
      message: "You are not allowed to do this.",
      extensions: { code: "FORBIDDEN" },
    });
  });

  it("refuses a caller with no roles at all when a role is required", () => {
    expect(refusal(principal([]), [Role.USER])).toBeInstanceOf(ForbiddenError);
  });

  it("lets a caller holding any one of the required roles through", () => {
    expect(authChecker(resolverData(principal([Role.EDITOR])), [Role.EDITOR, Role.ADMIN])).toBe(
      true,
    );
    expect(
      authChecker(resolverData(principal([Role.USER, Role.ADMIN])), [Role.EDITOR, Role.ADMIN]),
    ).toBe(true);
  });

  it("lets any signed-in caller through when no role is required", () => {
    expect(authChecker(resolverData(principal([])), [])).toBe(true);
  });
});
