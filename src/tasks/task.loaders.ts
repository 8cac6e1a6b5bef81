import DataLoader from "dataloader";
import { type LoaderKind, loaderKind } from "../context/request-loaders";
import type { Task } from "./task.entity";
import type { TaskService } from "./task.service";

/** Each user's tasks, batched per request: `users { tasks { … } }` costs one query. */
export function tasksByOwnerLoader(tasks: TaskService): LoaderKind<string, Task[]> {
  return loaderKind(
    () =>
      new DataLoader<string, Task[]>(async (ownerIds) => {
        const byOwner = new Map<string, Task[]>(ownerIds.map((id) => [id, []]));
        for (const task of await tasks.listByOwners(ownerIds)) {
          byOwner.get(task.ownerId)?.push(task);
        }
        return ownerIds.map((id) => byOwner.get(id) ?? []);
      }),
  );
}
