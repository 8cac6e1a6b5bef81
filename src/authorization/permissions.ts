import type { Principal } from "../core/principal";
import { ALL_ROLES, Role } from "../core/role";

/**
 * Everything a caller may be allowed to do, named `resource:action[:any]`. Without `:any` a
 * permission covers only the caller's own resources (their tasks, their sessions, their account);
 * with `:any` it covers everyone's, and so also the caller's own.
 */
export enum Permission {
  /** Read one's own tasks. */
  TaskRead = "task:read",
  /** Create, change and delete one's own tasks. */
  TaskWrite = "task:write",
  TaskReadAny = "task:read:any",
  TaskUpdateAny = "task:update:any",
  TaskDeleteAny = "task:delete:any",
  /** Another user's email, roles, sign-up time, and the list of all users. */
  UserReadAny = "user:read:any",
  UserRolesWrite = "user:roles:write",
  /** List one's own sessions. */
  SessionRead = "session:read",
  /** End one of one's own sessions. */
  SessionRevoke = "session:revoke",
  SessionRevokeAny = "session:revoke:any",
  /** Change one's own password. */
  PasswordWrite = "password:write",
}

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(Permission);

/** What every signed-in user may do with what is theirs, whatever their roles. */
export const SIGNED_IN_PERMISSIONS: readonly Permission[] = [
  Permission.TaskRead,
  Permission.TaskWrite,
  Permission.SessionRead,
  Permission.SessionRevoke,
  Permission.PasswordWrite,
];

/**
 * The one table of who may do what. Change it and the behaviour, `schema.graphql` and
 * docs/authorization.md follow (`npm run schema:print`); nothing else needs an edit.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  [Role.USER]: [],
  [Role.EDITOR]: [Permission.TaskReadAny, Permission.TaskUpdateAny],
  [Role.ADMIN]: [
    Permission.TaskReadAny,
    Permission.TaskUpdateAny,
    Permission.TaskDeleteAny,
    Permission.UserReadAny,
    Permission.UserRolesWrite,
    Permission.SessionRevokeAny,
  ],
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === "string" && (ALL_PERMISSIONS as readonly string[]).includes(value);
}

/** The permissions of a set of roles, before any scope narrows them. */
export function permissionsOfRoles(roles: readonly Role[]): ReadonlySet<Permission> {
  const granted = new Set<Permission>(SIGNED_IN_PERMISSIONS);
  for (const role of roles)
    for (const permission of ROLE_PERMISSIONS[role]) granted.add(permission);
  return granted;
}

export interface Grants {
  /** What the caller's roles grant. */
  readonly byRoles: ReadonlySet<Permission>;
  /** What the token may use: `byRoles`, intersected with its scope when it has one. */
  readonly effective: ReadonlySet<Permission>;
}

const grantsCache = new WeakMap<Principal, Grants>();

/** A principal's permissions, computed once per principal (one per request) from memory. */
export function grantsOf(principal: Principal): Grants {
  let grants = grantsCache.get(principal);
  if (!grants) {
    const byRoles = permissionsOfRoles(principal.roles);
    const scope = principal.scope;
    const effective = scope
      ? new Set([...byRoles].filter((permission) => scope.includes(permission)))
      : byRoles;
    grants = { byRoles, effective };
    grantsCache.set(principal, grants);
  }
  return grants;
}

/**
 * Reads a requested scope (`LoginInput.scope`, RFC 6749 §3.3: space-separated names). Returns the
 * names in the table's order without duplicates, or the first unknown name. An empty or blank
 * scope means no narrowing.
 */
export function parseScope(
  text: string,
): { ok: true; scope: Permission[] | null } | { ok: false; unknown: string } {
  const names = text.split(/[ \t\n\r]+/).filter((name) => name.length > 0);
  if (names.length === 0) return { ok: true, scope: null };
  for (const name of names) if (!isPermission(name)) return { ok: false, unknown: name };
  const wanted = new Set(names);
  return { ok: true, scope: ALL_PERMISSIONS.filter((permission) => wanted.has(permission)) };
}

/** Every role that grants a permission, for documentation and refusal details. */
export function rolesGranting(permission: Permission): Role[] {
  if (SIGNED_IN_PERMISSIONS.includes(permission)) return [...ALL_ROLES];
  return ALL_ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(permission));
}
