import DataLoader from "dataloader";
import type { Task } from "./tasks/task.entity";
import type { TaskService } from "./tasks/task.service";
import type { User } from "./users/user.entity";
import type { UserService } from "./users/user.service";

/** Per-request batching, so `allTasks { owner { … } }` costs two queries rather than N + 1. */
export interface Loaders {
  readonly userById: DataLoader<string, User | null>;
  readonly tasksByOwner: DataLoader<string, Task[]>;
}

export function createLoaders(users: UserService, tasks: TaskService): Loaders {
  return {
    userById: new DataLoader(async (ids) => {
      const found = new Map((await users.findByIds(ids)).map((user) => [user.id, user]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    tasksByOwner: new DataLoader(async (ownerIds) => {
      const byOwner = new Map<string, Task[]>(ownerIds.map((id) => [id, []]));
      for (const task of await tasks.listByOwners(ownerIds)) byOwner.get(task.ownerId)?.push(task);
      return ownerIds.map((id) => byOwner.get(id) ?? []);
    }),
  };
}
