import DataLoader from "dataloader";
import { type LoaderKind, loaderKind } from "../context/request-loaders";
import type { User } from "./user.entity";
import type { UserDirectory } from "./user-directory";

export type UserByIdLoader = LoaderKind<DataLoader<string, User | null>>;

/**
 * Users by id, from the directory (memory, at most a second old), once per id per request:
 * `allTasks { owner { … } }` reads from the database only the owners not read in the last second.
 */
export function userByIdLoader(users: Pick<UserDirectory, "get">): UserByIdLoader {
  return loaderKind(
    () => new DataLoader<string, User | null>((ids) => Promise.all(ids.map((id) => users.get(id)))),
  );
}
