import DataLoader from "dataloader";
import type { PageArguments } from "./pagination/page";
import type { Task } from "./tasks/task.entity";
import type { TaskService } from "./tasks/task.service";
import type { User } from "./users/user.entity";
import type { UserService } from "./users/user.service";

/** Per-request batching, so `allTasks { owner { … } }` costs two queries rather than N + 1. */
export interface Loaders {
  readonly userById: DataLoader<string, User | null>;
  /**
   * One loader per page shape (`first`, `after`): `users { tasks(first: 5) }` reads the first five
   * tasks of every listed user in one query, and another shape in the same document in another.
   */
  tasksByOwner(page: PageArguments): DataLoader<string, Task[]>;
}

export function createLoaders(users: UserService, tasks: TaskService): Loaders {
  const tasksByPage = new Map<string, DataLoader<string, Task[]>>();
  return {
    userById: new DataLoader(async (ids) => {
      const found = new Map((await users.findByIds(ids)).map((user) => [user.id, user]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    tasksByOwner(requested) {
      // Checked before any loading: a bad `first` or `after` is BAD_USER_INPUT for this field.
      const page = tasks.page(requested);
      let loader = tasksByPage.get(page.key);
      if (!loader) {
        loader = new DataLoader(async (ownerIds) => {
          const byOwner = new Map<string, Task[]>(ownerIds.map((id) => [id, []]));
          for (const task of await tasks.listByOwners(ownerIds, page)) {
            byOwner.get(task.ownerId)?.push(task);
          }
          return ownerIds.map((id) => byOwner.get(id) ?? []);
        });
        tasksByPage.set(page.key, loader);
      }
      return loader;
    },
  };
}
