import DataLoader from "dataloader";
import { type LoaderKind, loaderKind } from "../context/request-loaders";
import type { PageArguments } from "../pagination/page";
import type { Task } from "./task.entity";
import type { TaskService } from "./task.service";

/**
 * One loader per page shape (`first`, `after`): `users { tasks(first: 5) }` reads the first five
 * tasks of every listed user in one query, and another shape in the same document in another.
 */
export interface TasksByOwner {
  forPage(page: PageArguments): DataLoader<string, Task[]>;
}

export type TasksByOwnerLoader = LoaderKind<TasksByOwner>;

export function tasksByOwnerLoader(tasks: TaskService): TasksByOwnerLoader {
  return loaderKind(() => {
    const byPage = new Map<string, DataLoader<string, Task[]>>();
    return {
      forPage(requested) {
        // Checked before any loading: a bad `first` or `after` is BAD_USER_INPUT for this field.
        const page = tasks.page(requested);
        let loader = byPage.get(page.key);
        if (!loader) {
          loader = new DataLoader<string, Task[]>(async (ownerIds) => {
            const byOwner = new Map<string, Task[]>(ownerIds.map((id) => [id, []]));
            for (const task of await tasks.listByOwners(ownerIds, page)) {
              byOwner.get(task.ownerId)?.push(task);
            }
            return ownerIds.map((id) => byOwner.get(id) ?? []);
          });
          byPage.set(page.key, loader);
        }
        return loader;
      },
    };
  });
}
