export enum Role {
  USER = "USER",
  EDITOR = "EDITOR",
  ADMIN = "ADMIN",
}

export const ALL_ROLES: readonly Role[] = Object.values(Role);

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ALL_ROLES as readonly string[]).includes(value);
}

/** Deduplicated and in a stable order, so stored rows and token claims compare equal. */
export function normalizeRoles(roles: Iterable<Role>): Role[] {
  const wanted = new Set(roles);
  return ALL_ROLES.filter((role) => wanted.has(role));
}
