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

/** Where a rule is checked: the field's coordinate, its parent object and the request's context. */
interface Site {
  readonly at: string;
  readonly parent: unknown;
  readonly context: RequestContext;
}

const site = (who: Principal | null, at = "Query.allTasks", parent: unknown = undefined): Site => ({
  at,
  parent,
  context: {
    principal: who,
    origin: { requestId: "test", clientAddress: "127.0.0.1", userAgent: null },
    loaders: new RequestLoaders(),
    refreshCookie: {} as RefreshCookieJar,
    refusal: new RequestRefusal(),
    issued: new IssuedPrincipals(),
    budget: {} as RequestBudget,
  },
});

const authorizer = new Authorizer();

/** Checks the rule at the site as enforce-rules.ts does; throws what the check throws. */
function check(at: Site, rule: Rule, by = authorizer): void {
  by.fieldCheck(rule, at.at)(at.parent, at.context);
}

/** Runs the check and returns what it threw, failing the test when it threw nothing. */
function refusal(at: Site, rule: Rule, by = authorizer): unknown {
  try {
    check(at, rule, by);
  } catch (error) {
    return error;
  }
  throw new Error("expected the check to throw");
}

describe("Authorizer.fieldCheck", () => {
  it("refuses an anonymous caller with UNAUTHENTICATED", () => {
    const error = refusal(site(null), rules.signedIn);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({
      message: "Authentication required.",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("refuses an anonymous caller with UNAUTHENTICATED, not FORBIDDEN, when a permission is required", () => {
    const error = refusal(site(null), rules.listUsers);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });

  it("refuses a signed-in caller whose roles lack the permission with FORBIDDEN, naming the rule", () => {
    const error = refusal(site(principal([Role.USER]), "Query.users"), rules.listUsers);
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
    expect(refusal(site(principal([])), rules.readAllTasks)).toBeInstanceOf(ForbiddenError);
  });

  it("lets a caller whose roles grant the permission through", () => {
    expect(() => check(site(principal([Role.EDITOR])), rules.readAllTasks)).not.toThrow();
    expect(() => check(site(principal([Role.USER, Role.ADMIN])), rules.readAllTasks)).not.toThrow();
  });

  it("lets any signed-in caller, even one without roles, through the signed-in rule", () => {
    expect(() => check(site(principal([])), rules.signedIn)).not.toThrow();
  });

  it("refuses with INSUFFICIENT_SCOPE when the roles would pass but the token's scope does not", () => {
    const narrowed = principal([Role.ADMIN], ["task:read"]);
    const error = refusal(site(narrowed, "Mutation.createTask"), rules.createTask);
    expect(error).toMatchObject({
      extensions: {
        code: "FORBIDDEN",
        reason: "INSUFFICIENT_SCOPE",
        authz: { scope: ["task:read"] },
      },
    });
    expect(() => check(site(narrowed, "Query.tasks"), rules.readOwnTasks)).not.toThrow();
  });

  it("never lets a scope widen what the roles grant", () => {
    const widened = principal([Role.USER], ["user:read:any", "task:read:any"]);
    const error = refusal(site(widened, "Query.users"), rules.listUsers);
    expect(error).toMatchObject({ extensions: { code: "FORBIDDEN" } });
    expect((error as ForbiddenError).extensions.reason).toBeUndefined();
  });

  describe("owner rules on a field, from its parent object", () => {
    const me = { id: USER_ID };
    const someoneElse = { id: OTHER_ID };

    it("lets everyone read their own private fields, even with a narrow scope", () => {
      const narrowed = principal([Role.USER], ["task:read"]);
      expect(() => check(site(narrowed, "User.email", me), rules.readUserPrivate)).not.toThrow();
    });

    it.each([[[Role.USER]], [[Role.EDITOR]]])(
      "refuses %j another user's private fields, saying the caller is not the owner",
      (roles) => {
        const error = refusal(
          site(principal(roles), "User.email", someoneElse),
          rules.readUserPrivate,
        );
        expect(error).toMatchObject({
          extensions: {
            code: "FORBIDDEN",
            authz: { at: "User.email", rule: "read-user-private", owner: false },
          },
        });
      },
    );

    it("lets an ADMIN read another user's private fields", () => {
      expect(() =>
        check(site(principal([Role.ADMIN]), "User.roles", someoneElse), rules.readUserPrivate),
      ).not.toThrow();
    });
  });

  describe("audit lines", () => {
    it("writes one for a refused operation that only an ADMIN's permissions pass", () => {
      const log = new CapturedLog();
      const audited = new Authorizer(new AuditLog(log.logger));
      refusal(site(principal([Role.EDITOR]), "Mutation.setUserRoles"), rules.setUserRoles, audited);
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
        site(principal([Role.USER]), "User.email", { id: OTHER_ID }),
        rules.readUserPrivate,
        audited,
      );
      refusal(site(principal([Role.USER]), "Query.allTasks"), rules.readAllTasks, audited);
      expect(log.lines()).toEqual([]);
    });
  });
});
