import type { AuditLog } from "../audit/audit-log";
import type { RequestContext } from "../context/context.type";
import type { Principal } from "../core/principal";
import type { RequestOrigin } from "../core/request-origin";
import { Role } from "../core/role";
import { ForbiddenError, UnauthenticatedError } from "../errors/app-errors";
import { grantsOf, rolesGranting } from "./permissions";
import { decide, describe, type Relation, type Rule, scopeAlternatives } from "./rules";

/** Where a rule is applied: the schema coordinate, and for audit lines who asked. */
export interface RuleSite {
  readonly at: string;
  readonly origin: RequestOrigin;
}

/**
 * Applies the rules: for `@Requires(rule)` on every path to a field (enforce-rules.ts), and for
 * resource checks in the services once the resource's owner is known. Refusals say which rule
 * refused (the detail leaves the response in production), and a refused operation that only an
 * ADMIN's permissions could pass leaves an audit line.
 */
export class Authorizer {
  constructor(private readonly audit: AuditLog | null = null) {}

  /** Throws UNAUTHENTICATED or FORBIDDEN unless the rule lets the caller through. */
  require(rule: Rule, principal: Principal | null, relation: Relation, site: RuleSite): void {
    const decision = decide(rule, principal, relation);
    if (decision.allowed) return;
    if (!principal || decision.refusal === "UNAUTHENTICATED") throw new UnauthenticatedError();
    const { effective } = grantsOf(principal);
    const authz = {
      at: site.at,
      rule: rule.name,
      requires: describe(rule),
      roles: [...principal.roles],
      scope: principal.scope,
      permissions: [...effective],
      ...(relation === "unknown" ? {} : { owner: relation === "owner" }),
    };
    if (this.audit && isOperation(site.at) && onlyAdminsPass(rule, relation)) {
      this.audit.record("authorization.refused", site.origin, {
        userId: principal.userId,
        sessionId: principal.sessionId,
        operation: site.at,
        rule: rule.name,
        reason: decision.refusal,
      });
    }
    throw new ForbiddenError(undefined, {
      ...(decision.refusal === "INSUFFICIENT_SCOPE" ? { reason: "INSUFFICIENT_SCOPE" } : {}),
      authz,
    });
  }

  /**
   * The check of one field's rule (enforce-rules.ts), for the field at `at`: the caller is the
   * request's, or for the payload of a sign-in the caller it signed in (context.issued); an owner
   * rule that names the owner of the field's parent object (`ownerOf`) decides with it, any other
   * before the resource is loaded.
   */
  fieldCheck(rule: Rule, at: string): (parent: unknown, context: RequestContext) => void {
    const ownerOf = rule.kind === "owner-or-any" ? rule.ownerOf : undefined;
    return (parent, context) => {
      const principal = context.issued.get(parent) ?? context.principal;
      const relation: Relation =
        ownerOf && principal
          ? ownerOf(parent) === principal.userId
            ? "owner"
            : "other"
          : "unknown";
      this.require(rule, principal, relation, { at, origin: context.origin });
    };
  }
}

const isOperation = (at: string) => at.startsWith("Query.") || at.startsWith("Mutation.");

/**
 * True when every way through the rule, for this caller's relation to the resource, needs a
 * permission that of all roles only ADMIN has: deleting someone else's task, say.
 */
function onlyAdminsPass(rule: Rule, relation: Relation): boolean {
  if (rule.kind === "signed-in") return false;
  const alternatives =
    rule.kind === "owner-or-any" && relation === "other"
      ? rule.any === null
        ? [] // nobody but the owner: not an admin operation
        : [[rule.any]]
      : scopeAlternatives(rule);
  if (rule.kind === "owner-or-any" && relation !== "other") return false; // an owner passes
  if (alternatives.length === 0) return false;
  return alternatives.every((alternative) =>
    alternative.some((permission) => {
      const roles = rolesGranting(permission);
      return roles.length === 1 && roles[0] === Role.ADMIN;
    }),
  );
}
