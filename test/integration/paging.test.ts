import { randomUUID } from "node:crypto";
import { Task } from "../../src/tasks/task.entity";
import { Role } from "../../src/core/role";
import { databaseKinds } from "../support/databases";
import { registerUser, signedInWithRoles, type SignedInUser } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";

interface Item {
  id: string;
  cursor: string;
}

const PAGE_DEFAULT = 3;
const PAGE_MAX = 4;

describe.each(databaseKinds())("paged lists ($name)", (kind) => {
  let server: TestServer;
  let owner: SignedInUser;
  let other: SignedInUser;
  let editor: SignedInUser;
  let admin: SignedInUser;
  /** The owner's task ids in (createdAt, id) order, as every paged list orders them. */
  let ownerTasks: string[];
  let allTaskIds: string[];
  /** Every seeded task as the API shows it, by id. */
  const shown = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    server = await startTestServer(kind, {
      env: {
        GRAPHQL_DEFAULT_PAGE_SIZE: String(PAGE_DEFAULT),
        GRAPHQL_MAX_PAGE_SIZE: String(PAGE_MAX),
      },
    });
    owner = await registerUser(server);
    other = await registerUser(server);
    editor = await signedInWithRoles(server, [Role.EDITOR]);
    admin = await signedInWithRoles(server, [Role.ADMIN]);
    // Rows written directly, so several share a millisecond: the id must break the tie.
    const base = Date.UTC(2030, 0, 1);
    const rows = [0, 0, 0, 1, 1, 2, 5].map((offset, index) => ({
      id: randomUUID(),
      title: `owner ${index}`,
      done: false,
      ownerId: owner.id,
      createdAt: new Date(base + offset),
      updatedAt: new Date(base + offset),
    }));
    const others = [0, 1, 3].map((offset, index) => ({
      id: randomUUID(),
      title: `other ${index}`,
      done: false,
      ownerId: other.id,
      createdAt: new Date(base + offset),
      updatedAt: new Date(base + offset),
    }));
    const ordered = (list: typeof rows) =>
      list
        .map((row) => ({ id: row.id, at: row.createdAt.getTime() }))
        .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
        .map((row) => row.id);
    ownerTasks = ordered(rows);
    allTaskIds = ordered([...rows, ...others]);
    // Before the insert, which may write back into the objects it is given.
    for (const row of [...rows, ...others]) {
      shown.set(row.id, {
        id: row.id,
        title: row.title,
        done: row.done,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
        owner: { id: row.ownerId },
      });
    }
    await server.app.dataSource.getRepository(Task).insert([...rows, ...others]);
  });
  afterAll(() => server.close());

  async function list<T = Item>(who: SignedInUser, query: string, variables = {}) {
    const response = await server.gql<Record<string, T[]>>(query, variables, {
      token: who.accessToken,
    });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    return response.body.data!;
  }
  describe("a list reads only the columns its selection shows", () => {
    type Shown = Record<string, unknown> & { id: string };
    const expected = (task: Shown, fields: readonly string[]) =>
      Object.fromEntries(fields.map((field) => [field, shown.get(task.id)?.[field]]));

    it.each([
      ["allTasks", () => editor],
      ["tasks", () => owner],
    ])("%s serves every field asked for, however the document asks", async (field, who) => {
      const documents: [string, readonly string[], Record<string, unknown>][] = [
        [`{ ${field}(first: 4) { id } }`, ["id"], {}],
        [
          `{ ${field}(first: 4) { id title done owner { id } } }`,
          ["id", "title", "done", "owner"],
          {},
        ],
        [
          `query { ${field}(first: 4) { ...Dates } } fragment Dates on Task { id ... on Task { createdAt } updatedAt }`,
          ["id", "createdAt", "updatedAt"],
          {},
        ],
        [
          `query ($dates: Boolean!) { ${field}(first: 4) { id createdAt @include(if: $dates) } }`,
          ["id", "createdAt"],
          { dates: true },
        ],
        [
          `query ($dates: Boolean!) { ${field}(first: 4) { id } ${field}(first: 4) @include(if: $dates) { title } }`,
          ["id", "title"],
          { dates: true },
        ],
      ];
      for (const [document, fields, variables] of documents) {
        const tasks = (await list<Shown>(who(), document, variables))[field];
        expect(tasks).toHaveLength(4);
        for (const task of tasks) expect(task).toEqual(expected(task, fields));
      }
    });

    it("pages on with the cursor of a list that showed nothing else", async () => {
      const first = (await list<Item>(editor, "{ allTasks(first: 2) { cursor } }")).allTasks;
      const next = (
        await list<Item>(
          editor,
          "query ($after: String) { allTasks(first: 2, after: $after) { id } }",
          {
            after: first[1].cursor,
          },
        )
      ).allTasks;
      expect(next.map((task) => task.id)).toEqual(allTaskIds.slice(2, 4));
    });
  });

  /** Follows the cursors of `field` page by page until an empty page. */
  async function readAll(who: SignedInUser, field: string, first: number): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const data = await list<Item>(
        who,
        `query($first: Int, $after: String) { ${field}(first: $first, after: $after) { id cursor } }`,
        { first, after },
      );
      const page: Item[] = data[field];
      expect(page.length).toBeLessThanOrEqual(first);
      if (page.length === 0) return ids;
      ids.push(...page.map((item) => item.id));
      after = page[page.length - 1].cursor;
    }
    throw new Error("paging did not end");
  }

  it("returns the default page to a caller that names no first", async () => {
    const data = await list(owner, "{ tasks { id } }");
    expect(data.tasks.map((task) => task.id)).toEqual(ownerTasks.slice(0, PAGE_DEFAULT));
  });

  it("reads a whole list page by page, ties on createdAt included, each item once", async () => {
    expect(await readAll(owner, "tasks", 2)).toEqual(ownerTasks);
    expect(await readAll(owner, "tasks", PAGE_MAX)).toEqual(ownerTasks);
    expect(await readAll(editor, "allTasks", 3)).toEqual(allTaskIds);
    const users = await readAll(admin, "users", 1);
    expect(users).toHaveLength(4);
    expect(new Set(users)).toEqual(new Set([owner.id, other.id, editor.id, admin.id]));
  });

  it("pages User.tasks for every user of a list in one query per page shape", async () => {
    const loads = jest.spyOn(server.app.services.tasks, "listByOwners");
    try {
      const data = await list<{ id: string; tasks: Item[]; firstTwo: Item[] }>(
        admin,
        "{ users(first: 4) { id tasks { id cursor } firstTwo: tasks(first: 2) { id cursor } } }",
      );
      expect(loads).toHaveBeenCalledTimes(2);
      const byId = new Map(data.users.map((user) => [user.id, user]));
      expect(byId.get(owner.id)?.tasks.map((task) => task.id)).toEqual(ownerTasks.slice(0, 3));
      expect(byId.get(owner.id)?.firstTwo.map((task) => task.id)).toEqual(ownerTasks.slice(0, 2));
      expect(byId.get(other.id)?.tasks).toHaveLength(3);
      expect(byId.get(admin.id)?.tasks).toEqual([]);

      const after = byId.get(owner.id)!.firstTwo[1].cursor;
      const next = await list<{ tasks: Item[] }>(
        owner,
        "query($after: String) { me { tasks(first: 4, after: $after) { id } } }",
        { after },
      );
      expect((next.me as unknown as { tasks: Item[] }).tasks.map((task) => task.id)).toEqual(
        ownerTasks.slice(2, 6),
      );
    } finally {
      loads.mockRestore();
    }
  });

  it("returns nothing for first: 0 and refuses first outside 0 to the maximum", async () => {
    expect((await list(owner, "{ tasks(first: 0) { id } }")).tasks).toEqual([]);
    for (const first of [PAGE_MAX + 1, -1, 2_000_000_000]) {
      const response = await server.gql(
        "query($first: Int) { tasks(first: $first) { id } }",
        { first },
        { token: owner.accessToken },
      );
      expect(response.status).toBe(200);
      expect(response.body.errors?.[0]).toMatchObject({
        message: `first must be from 0 to ${PAGE_MAX}.`,
        extensions: { code: "BAD_USER_INPUT", field: "first" },
      });
    }
  });

  it("refuses a bad cursor with BAD_USER_INPUT on every list, never a server error", async () => {
    const bad = [
      "garbage",
      "",
      "!!!",
      "a".repeat(5000),
      Buffer.from("k1:999999999999999:00000000-0000-0000-0000-000000000000").toString("base64url"),
      Buffer.from("k1:1:' OR 1=1 --").toString("base64url"),
    ];
    const fields = [
      [owner, "tasks(after: $after) { id }"],
      [editor, "allTasks(after: $after) { id }"],
      [admin, "users(after: $after) { id }"],
      [owner, "me { tasks(after: $after) { id } }"],
    ] as const;
    for (const after of bad) {
      for (const [who, selection] of fields) {
        const response = await server.gql(
          `query($after: String) { ${selection} }`,
          { after },
          { token: who.accessToken },
        );
        expect(response.status).toBe(200);
        expect(response.body.errors?.[0]).toMatchObject({
          message: "Invalid cursor.",
          extensions: { code: "BAD_USER_INPUT", field: "after" },
        });
      }
    }
    expect(
      errorCode(await server.gql("{ tasks(after: 5) { id } }", {}, { token: owner.accessToken })),
    ).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("still checks who may list: a cursor reaches nothing its caller could not read", async () => {
    const [first] = (await list(owner, "{ tasks(first: 1) { id cursor } }")).tasks;
    const mine = await list(other, "query($after: String) { tasks(after: $after) { id } }", {
      after: first.cursor,
    });
    expect(mine.tasks.every((task) => !ownerTasks.includes(task.id))).toBe(true);
    const forbidden = await server.gql(
      "query($after: String) { allTasks(after: $after) { id } }",
      { after: first.cursor },
      { token: other.accessToken },
    );
    expect(errorCode(forbidden)).toBe("FORBIDDEN");
  });
});
