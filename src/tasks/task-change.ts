import type { Principal } from "../core/principal";
import type { Task } from "./task.entity";
import { taskPolicy } from "./task.policy";

export enum TaskEventKind {
  CREATED = "CREATED",
  UPDATED = "UPDATED",
  DELETED = "DELETED",
}

/**
 * A committed change to a task, as TaskService reports it and as the feed carries it (between
 * instances too). `ownerId` stays on a deletion so each subscriber can still be asked whether the
 * task was theirs to see; `task` is the row after the change, null for a deletion.
 */
export interface TaskChange {
  readonly kind: TaskEventKind;
  readonly taskId: string;
  readonly ownerId: string;
  readonly task: Task | null;
}

/** Where TaskService reports its changes once committed. Never throws, never waits. */
export interface TaskChangeSink {
  publish(change: TaskChange): void;
}

export const noTaskChangeSink: TaskChangeSink = { publish: () => undefined };

/**
 * Whether a subscriber sees a change, asked per event with the caller's permissions as they are
 * now: their own tasks always; with `all`, whatever `task:read:any` lets them read.
 */
export function changeVisibleTo(principal: Principal, change: TaskChange, all: boolean): boolean {
  if (change.ownerId === principal.userId) return true;
  return all && taskPolicy.canRead(principal, { ownerId: change.ownerId });
}

/**
 * What a subscription reads its changes from: the socket's feed, put into the context of every
 * operation the socket runs (subscriptions/). Ends when the socket closes.
 */
export interface TaskChangeFeed {
  /**
   * The changes `accept` lets through, from now until the subscription or its socket ends;
   * `delivered` runs as each one is handed out to be executed. Throws FORBIDDEN when `all` is
   * asked without task:read:any.
   */
  changes(
    all: boolean,
    filter: { accept(change: TaskChange): boolean; delivered(): void },
  ): AsyncIterable<TaskChange>;
}
