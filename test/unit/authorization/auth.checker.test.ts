import type { GraphQLResolveInfo } from "graphql";
import type { ResolverData } from "type-graphql";
import { AuditLog } from "../../../src/audit/audit-log";
import { Authorizer } from "../../../src/authorization/auth.checker";
import { type Rule, rules } from "../../../src/authorization/rules";
import { RequestRefusal } from "../../../src/context/request-refusal";
import { IssuedPrincipals } from "../../../src/context/issued-principals";
import type { Principal } from "../../../src/core/principal";
import type { RefreshCookieJar, RequestContext } from "../../../src/context/context.type";
import { RequestLoaders } from "../../../src/context/request-loaders";
import type { RequestBudget } from "../../../src/request-limits/budget";
import { ForbiddenError, UnauthenticatedError } from "../../../src/errors/app-errors";
import { Role } from "../../../src/core/role";
import { CapturedLog } from "../../support/captured-log";

const USER_ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const OTHER_ID = "9a1b2c3d-0000-4000-8000-000000000001";

const principal = (roles: Role[], scope: string[] | null = null): Principal => ({
  userId: USER_ID,
  sessionId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  tokenId: "16fd2706-8baf-433b-82eb-8c7fada847da",
  roles,
  scope,
  issuedAt: 1_893_456_000,
  expiresAt: 1_893_456_900,
});

const resolverData = (
  who: Principal | null,
  at = "Query.allTasks",
  root: unknown = undefined,
): ResolverData<RequestContext> => {
  const [parent, field] = at.split(".");
  return {
    root,
    args: {},
    context: {
      principal: who,
      origin: { requestId: "test", clientAddress: "127.0.0.1", userAgent: null },
      loaders: new RequestLoaders(),
      refreshCookie: {} as RefreshCookieJar,
      refusal: new RequestRefusal(),
      issued: new IssuedPrincipals(),
      budget: {} as RequestBudget,
    },
    info: { parentType: { name: parent }, fieldName: field } as unknown as GraphQLResolveInfo,
  };
};

const authorizer = new Authorizer();

/** Runs the checker and returns what it threw, failing the test when it threw nothing. */
function refusal(data: ResolverData<RequestContext>, required: Rule[], by = authorizer): unknown {
  try {
    void by.checker(data, required);
  } catch (error) {
    return error;
  }
  throw new Error("expected the auth checker to throw");
}

describe("Authorizer.checker", () => {
  it("refuses an anonymous caller with UNAUTHENTICATED", () => {
    const error = refusal(resolverData(null), []);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({
      message: "Authentication required.",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("refuses an anonymous caller with UNAUTHENTICATED, not FORBIDDEN, when a permission is required", () => {
    const error = refusal(resolverData(null), [rules.listUsers]);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });

  it("refuses a signed-in caller whose roles lack the permission with FORBIDDEN, naming the rule", () => {
    const error = refusal(resolverData(principal([Role.USER]), "Query.users"), [rules.listUsers]);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({
      message: "You are not allowed to do this.",
      extensions: {
        code: "FORBIDDEN",
        authz: {
          at: "Query.users",
          rule: "list-users",
          requires: "user:read:any",
          roles: ["USER"],
          scope: null,
        },
      },
    });
    expect((error as ForbiddenError).extensions.reason).toBeUndefined();
  });

  it("refuses a caller with no roles at all when a role's permission is required", () => {
    expect(refusal(resolverData(principal([])), [rules.readAllTasks])).toBeInstanceOf(
      ForbiddenError,
    );
  });

  it("lets a caller whose roles grant the permission through", () => {
    expect(authorizer.checker(resolverData(principal([Role.EDITOR])), [rules.readAllTasks])).toBe(
      true,
    );
    expect(
      authorizer.checker(resolverData(principal([Role.USER, Role.ADMIN])), [rules.readAllTasks]),
    ).toBe(true);
  });

  it("lets any signed-in caller through when no rule is given", () => {
    expect(authorizer.checker(resolverData(principal([])), [])).toBe(true);
  });

  it("refuses with INSUFFICIENT_SCOPE when the roles would pass but the token's scope does not", () => {
    const narrowed = principal([Role.ADMIN], ["task:read"]);
    const error = refusal(resolverData(narrowed, "Mutation.createTask"), [rules.createTask]);
    expect(error).toMatchObject({
      extensions: {
        code: "FORBIDDEN",
        reason: "INSUFFICIENT_SCOPE",
        authz: { scope: ["task:read"] },
      },
    });
    expect(authorizer.checker(resolverData(narrowed, "Query.tasks"), [rules.readOwnTasks])).toBe(
      true,
    );
  });

  it("never lets a scope widen what the roles grant", () => {
    const widened = principal([Role.USER], ["user:read:any", "task:read:any"]);
    const error = refusal(resolverData(widened, "Query.users"), [rules.listUsers]);
    expect(error).toMatchObject({ extensions: { code: "FORBIDDEN" } });
    expect((error as ForbiddenError).extensions.reason).toBeUndefined();
  });

  describe("owner rules on a field, from its parent object", () => {
    const me = { id: USER_ID };
    const someoneElse = { id: OTHER_ID };

    it("lets everyone read their own private fields, even with a narrow scope", () => {
      const narrowed = principal([Role.USER], ["task:read"]);
      expect(
        authorizer.checker(resolverData(narrowed, "User.email", me), [rules.readUserPrivate]),
      ).toBe(true);
    });

    it.each([[[Role.USER]], [[Role.EDITOR]]])(
      "refuses %j another user's private fields, saying the caller is not the owner",
      (roles) => {
        const error = refusal(resolverData(principal(roles), "User.email", someoneElse), [
          rules.readUserPrivate,
        ]);
        expect(error).toMatchObject({
          extensions: {
            code: "FORBIDDEN",
            authz: { at: "User.email", rule: "read-user-private", owner: false },
          },
        });
      },
    );

    it("lets an ADMIN read another user's private fields", () => {
      expect(
        authorizer.checker(resolverData(principal([Role.ADMIN]), "User.roles", someoneElse), [
          rules.readUserPrivate,
        ]),
      ).toBe(true);
    });
  });

  describe("audit lines", () => {
    it("writes one for a refused operation that only an ADMIN's permissions pass", () => {
      const log = new CapturedLog();
      const audited = new Authorizer(new AuditLog(log.logger));
      refusal(
        resolverData(principal([Role.EDITOR]), "Mutation.setUserRoles"),
        [rules.setUserRoles],
        audited,
      );
      expect(log.lines()).toEqual([
        expect.objectContaining({
          audit: true,
          event: "authorization.refused",
          userId: USER_ID,
          operation: "Mutation.setUserRoles",
          rule: "set-user-roles",
          reason: "FORBIDDEN",
        }),
      ]);
    });

    it("writes none for refused fields or for operations others may run", () => {
      const log = new CapturedLog();
      const audited = new Authorizer(new AuditLog(log.logger));
      refusal(
        resolverData(principal([Role.USER]), "User.email", { id: OTHER_ID }),
        [rules.readUserPrivate],
        audited,
      );
      refusal(
        resolverData(principal([Role.USER]), "Query.allTasks"),
        [rules.readAllTasks],
        audited,
      );
      expect(log.lines()).toEqual([]);
    });
  });
});
