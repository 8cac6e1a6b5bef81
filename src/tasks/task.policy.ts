import type { Principal } from "../core/principal";
import { Role } from "../core/role";

interface Owned {
  readonly ownerId: string;
}

const hasAnyRole = (principal: Principal, roles: readonly Role[]) =>
  roles.some((role) => principal.roles.includes(role));

/** Owner, EDITOR or ADMIN may read and change a task; only the owner or an ADMIN may delete it. */
export const taskPolicy = {
  canRead: (principal: Principal, task: Owned) =>
    task.ownerId === principal.userId || hasAnyRole(principal, [Role.EDITOR, Role.ADMIN]),
  canUpdate: (principal: Principal, task: Owned) =>
    task.ownerId === principal.userId || hasAnyRole(principal, [Role.EDITOR, Role.ADMIN]),
  canDelete: (principal: Principal, task: Owned) =>
    task.ownerId === principal.userId || hasAnyRole(principal, [Role.ADMIN]),
  /** A user's task list: the user themself, or anyone who may read every task. */
  canListTasksOf: (principal: Principal, ownerId: string) =>
    ownerId === principal.userId || hasAnyRole(principal, [Role.EDITOR, Role.ADMIN]),
};
