import DataLoader from "dataloader";
import { type LoaderKind, loaderKind } from "../context/request-loaders";
import type { User } from "./user.entity";
import type { UserService } from "./user.service";

export type UserByIdLoader = LoaderKind<DataLoader<string, User | null>>;

/** Users by id, batched per request: `allTasks { owner { … } }` costs one query for the owners. */
export function userByIdLoader(users: UserService): UserByIdLoader {
  return loaderKind(
    () =>
      new DataLoader<string, User | null>(async (ids) => {
        const found = new Map((await users.findByIds(ids)).map((user) => [user.id, user]));
        return ids.map((id) => found.get(id) ?? null);
      }),
  );
}
