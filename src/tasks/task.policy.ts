import type { Principal } from "../core/principal";
import { decide, type Relation, rules } from "../authorization/rules";

interface Owned {
  readonly ownerId: string;
}

/** Who the caller is to a task: its owner or someone else. Owner ids compare exactly. */
export const relationToTask = (principal: Principal, task: Owned): Relation =>
  task.ownerId === principal.userId ? "owner" : "other";

/**
 * The task rules (authorization/rules.ts) as yes-or-no questions: the owner with `task:read` /
 * `task:write`, or anyone with `task:read:any`, `task:update:any`, `task:delete:any`.
 */
export const taskPolicy = {
  canRead: (principal: Principal, task: Owned) =>
    decide(rules.readTask, principal, relationToTask(principal, task)).allowed,
  canUpdate: (principal: Principal, task: Owned) =>
    decide(rules.updateTask, principal, relationToTask(principal, task)).allowed,
  canDelete: (principal: Principal, task: Owned) =>
    decide(rules.deleteTask, principal, relationToTask(principal, task)).allowed,
  /** A user's task list: the user themself, or anyone who may read every task. */
  canListTasksOf: (principal: Principal, ownerId: string) =>
    decide(rules.readUsersTasks, principal, relationToTask(principal, { ownerId })).allowed,
};
