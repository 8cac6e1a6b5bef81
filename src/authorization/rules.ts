import type { Principal } from "../core/principal";
import { grantsOf, Permission } from "./permissions";

/**
 * What a caller needs to run an operation or read a field. Resolvers and fields name a rule, never
 * a role: which roles pass follows from the permission table alone.
 *
 * - `signed-in`: any verified caller.
 * - `permission`: the caller's effective permissions include `permission`.
 * - `owner-or-any`: the caller holds `any`, or owns the resource and holds `own` (`null`: owning
 *   is enough). With `any` null only the owner passes. `ownerOf` names the owner of a field's parent object, so the rule holds on that
 *   type whatever path reached it.
 */
export type Rule =
  | { readonly kind: "signed-in"; readonly name: string }
  | { readonly kind: "permission"; readonly name: string; readonly permission: Permission }
  | {
      readonly kind: "owner-or-any";
      readonly name: string;
      readonly own: Permission | null;
      readonly any: Permission | null;
      readonly ownerOf?: (parent: unknown) => string;
    };

/** Who the caller is to the resource: its owner, someone else, or not known yet (before loading). */
export type Relation = "owner" | "other" | "unknown";

export type Refusal = "UNAUTHENTICATED" | "FORBIDDEN" | "INSUFFICIENT_SCOPE";

export type Decision =
  { readonly allowed: true } | { readonly allowed: false; readonly refusal: Refusal };

const ALLOWED: Decision = { allowed: true };

/**
 * The rule's verdict for a caller, from memory. INSUFFICIENT_SCOPE when the caller's roles would
 * pass but the token's scope does not, FORBIDDEN when the roles do not either. With relation
 * `unknown` an owner-or-any rule passes anyone who could pass as owner; the resource's owner is
 * checked again, with `decide(rule, principal, "owner" | "other")`, once it is loaded.
 */
export function decide(rule: Rule, principal: Principal | null, relation: Relation): Decision {
  if (!principal) return { allowed: false, refusal: "UNAUTHENTICATED" };
  if (rule.kind === "signed-in") return ALLOWED;
  const { effective, byRoles } = grantsOf(principal);
  const passes = (held: ReadonlySet<Permission>) =>
    rule.kind === "permission"
      ? held.has(rule.permission)
      : (rule.any !== null && held.has(rule.any)) ||
        (relation !== "other" && (rule.own === null || held.has(rule.own)));
  if (passes(effective)) return ALLOWED;
  return { allowed: false, refusal: passes(byRoles) ? "INSUFFICIENT_SCOPE" : "FORBIDDEN" };
}

/** The requirement in words, for refusals and docs/authorization.md. */
export function describe(rule: Rule): string {
  switch (rule.kind) {
    case "signed-in":
      return "signed in";
    case "permission":
      return rule.permission;
    case "owner-or-any": {
      const owner = rule.own === null ? "owner" : `owner with ${rule.own}`;
      return rule.any === null ? `${owner} only` : `${owner}, or ${rule.any}`;
    }
  }
}

/** The permissions a rule can be passed with, in the form of `@requiresScopes(scopes:)`: any one inner list. */
export function scopeAlternatives(rule: Rule): Permission[][] {
  switch (rule.kind) {
    case "signed-in":
      return [];
    case "permission":
      return [[rule.permission]];
    case "owner-or-any":
      return [rule.any, rule.own].filter((p): p is Permission => p !== null).map((p) => [p]);
  }
}

const signedIn = (name: string): Rule => ({ kind: "signed-in", name });
const permission = (name: string, required: Permission): Rule => ({
  kind: "permission",
  name,
  permission: required,
});
const ownerOrAny = (
  name: string,
  own: Permission | null,
  any: Permission | null,
  ownerOf?: (parent: unknown) => string,
): Rule => ({ kind: "owner-or-any", name, own, any, ...(ownerOf ? { ownerOf } : {}) });

/** The id of a `User` parent object: a user owns their own record. */
const userId = (parent: unknown) => (parent as { id: string }).id;

/**
 * Every rule the schema uses, by name (the names appear in refusals and in the access matrix).
 * A new operation picks one of these, or adds one here.
 */
export const rules = {
  signedIn: signedIn("signed-in"),
  readOwnTasks: permission("read-own-tasks", Permission.TaskRead),
  createTask: permission("create-task", Permission.TaskWrite),
  readTask: ownerOrAny("read-task", Permission.TaskRead, Permission.TaskReadAny),
  updateTask: ownerOrAny("update-task", Permission.TaskWrite, Permission.TaskUpdateAny),
  deleteTask: ownerOrAny("delete-task", Permission.TaskWrite, Permission.TaskDeleteAny),
  readAllTasks: permission("read-all-tasks", Permission.TaskReadAny),
  /** `taskEvents`: one's own tasks' changes; `all: true` also needs readAllTasks. */
  taskEvents: ownerOrAny("task-events", Permission.TaskRead, Permission.TaskReadAny),
  readUsersTasks: ownerOrAny(
    "read-users-tasks",
    Permission.TaskRead,
    Permission.TaskReadAny,
    userId,
  ),
  readUserPrivate: ownerOrAny("read-user-private", null, Permission.UserReadAny, userId),
  listUsers: permission("list-users", Permission.UserReadAny),
  setUserRoles: permission("set-user-roles", Permission.UserRolesWrite),
  readOwnSessions: permission("read-own-sessions", Permission.SessionRead),
  revokeOwnSession: ownerOrAny("revoke-own-session", Permission.SessionRevoke, null),
  revokeUserSessions: permission("revoke-user-sessions", Permission.SessionRevokeAny),
  changePassword: permission("change-password", Permission.PasswordWrite),
} as const satisfies Record<string, Rule>;
