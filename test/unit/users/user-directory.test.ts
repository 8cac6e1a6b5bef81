import { Role } from "../../../src/core/role";
import { USER_ROW_MAX_AGE_MS, UserDirectory } from "../../../src/users/user-directory";
import type { User } from "../../../src/users/user.entity";
import { configUnderTempDir } from "../../support/config-loader";

const USER_ID = "6f1c9a52-3b8e-4d0a-9c7e-2a4b5d6e7f80";

/**
 * The users table as `findOneBy` sees it: each read sees the row as it is when the read starts
 * and is held until the test answers it, so the test orders reads and changes as it likes.
 */
function usersTable() {
  const rows = new Map<string, User>();
  const pending: Array<() => void> = [];
  let reads = 0;
  return {
    rows,
    reads: () => reads,
    /** Answers the reads held so far, the newest first when `newestFirst`. */
    answer: (newestFirst = false) => {
      const held = pending.splice(0);
      for (const release of newestFirst ? held.reverse() : held) release();
    },
    findOneBy: ({ id }: { id: string }) => {
      reads++;
      const seen = rows.get(id) ?? null;
      return new Promise<User | null>((resolve) => pending.push(() => resolve(seen)));
    },
  };
}

function userRow(overrides: Partial<User> = {}): User {
  return {
    id: USER_ID,
    email: "ada@example.com",
    displayName: null,
    roles: [Role.USER],
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

/** The directory as the app builds it (its default bound), on a clock the test moves. */
function setUp() {
  let now = 0;
  const table = usersTable();
  table.rows.set(USER_ID, userRow());
  const directory = new UserDirectory(table, undefined, () => now);
  const get = async () => {
    const read = directory.get(USER_ID);
    table.answer();
    return read;
  };
  return {
    table,
    directory,
    get,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("UserDirectory", () => {
  const { load } = configUnderTempDir();

  it("trusts a row no longer than the revocation view's bound", () => {
    expect(USER_ROW_MAX_AGE_MS).toBeLessThanOrEqual(load().revocation.maxStalenessMs);
  });

  it("sees a user deleted past the API within a second of the read that last found it", async () => {
    const { table, get, advance } = setUp();
    expect((await get())?.id).toBe(USER_ID);
    table.rows.delete(USER_ID); // a DELETE by hand: nothing is announced
    advance(999);
    expect((await get())?.id).toBe(USER_ID);
    advance(1);
    expect(await get()).toBeNull();
    expect(table.reads()).toBe(2);
  });

  it("reads a password change within a second, though nothing announces it", async () => {
    const { table, get, advance } = setUp();
    await get();
    table.rows.set(USER_ID, userRow({ passwordHash: "$argon2id$new", updatedAt: new Date(5) }));
    advance(1_000);
    expect(await get()).toMatchObject({ passwordHash: "$argon2id$new", updatedAt: new Date(5) });
  });

  it("answers from memory within the bound: one read per active user per second", async () => {
    const { table, get, advance } = setUp();
    for (let ms = 0; ms < 3_000; ms += 100) {
      expect((await get())?.id).toBe(USER_ID);
      advance(100);
    }
    expect(table.reads()).toBe(3);
  });

  it("reads afresh at once after a role change, and keeps no read that was in flight over it", async () => {
    const { table, directory, get } = setUp();
    const overtaken = directory.get(USER_ID); // started before the change committed
    table.rows.set(USER_ID, userRow({ roles: [Role.USER, Role.EDITOR] }));
    directory.changed(USER_ID); // the revocation view announces it
    const fresh = directory.get(USER_ID);
    table.answer(true); // the older read comes back last
    expect((await fresh)?.roles).toEqual(["USER", "EDITOR"]);
    expect((await overtaken)?.roles).toEqual(["USER"]);
    expect((await get())?.roles).toEqual(["USER", "EDITOR"]);
    expect(table.reads()).toBe(2);
  });
});
