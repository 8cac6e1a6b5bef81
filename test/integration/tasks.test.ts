import { databaseKinds } from "../support/databases";
import { CREATE_TASK, DELETE_TASK, TASK, UPDATE_TASK } from "../support/documents";
import { registerUser, type SignedInUser } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";

interface TaskData {
  id: string;
  title: string;
  done: boolean;
  owner: { id: string };
}

describe.each(databaseKinds())("tasks ($name)", (kind) => {
  let server: TestServer;
  let user: SignedInUser;
  let other: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    [user, other] = await Promise.all([registerUser(server), registerUser(server)]);
  });
  afterAll(() => server.close());

  const create = async (who: SignedInUser, title: string) => {
    const response = await server.gql<{ createTask: TaskData }>(
      CREATE_TASK,
      { title },
      { token: who.accessToken },
    );
    return response.body.data!.createTask;
  };

  it("creates, lists, completes and deletes the caller's own tasks", async () => {
    const first = await create(user, "  write the tests ");
    expect(first).toMatchObject({ title: "write the tests", done: false, owner: { id: user.id } });
    const second = await create(user, "ship it");
    await create(other, "someone else's");

    const listed = await server.gql<{ tasks: Array<{ id: string }> }>(
      "{ tasks { id } }",
      {},
      { token: user.accessToken },
    );
    expect(listed.body.data?.tasks.map((task) => task.id)).toEqual([first.id, second.id]);

    const done = await server.gql<{
      updateTask: { done: boolean; title: string; updatedAt: string };
    }>(UPDATE_TASK, { id: first.id, patch: { done: true } }, { token: user.accessToken });
    expect(done.body.data?.updateTask).toMatchObject({ done: true, title: "write the tests" });

    const deleted = await server.gql(DELETE_TASK, { id: second.id }, { token: user.accessToken });
    expect(deleted.body.data).toEqual({ deleteTask: true });
    const gone = await server.gql(TASK, { id: second.id }, { token: user.accessToken });
    expect(gone.body).toEqual({ data: { task: null } });
  });

  it("keeps millisecond timestamps and moves updatedAt on change", async () => {
    const task = await create(user, "timestamps");
    const before = await server.gql<{ task: { createdAt: string; updatedAt: string } }>(
      `query($id: ID!) { task(id: $id) { createdAt updatedAt } }`,
      { id: task.id },
      { token: user.accessToken },
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = await server.gql<{ updateTask: { updatedAt: string } }>(
      UPDATE_TASK,
      { id: task.id, patch: { title: "renamed" } },
      { token: user.accessToken },
    );
    const createdAt = before.body.data!.task.createdAt;
    expect(createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(after.body.data!.updateTask.updatedAt).getTime()).toBeGreaterThan(
      new Date(createdAt).getTime(),
    );
  });

  it("lists the caller's tasks through me", async () => {
    const task = await create(other, "through me");
    const response = await server.gql<{ me: { tasks: Array<{ id: string }> } }>(
      "{ me { tasks { id } } }",
      {},
      {
        token: other.accessToken,
      },
    );
    expect(response.body.data?.me.tasks.map((t) => t.id)).toContain(task.id);
  });

  it.each([
    ["an empty title", ""],
    ["a blank title", "   "],
    ["a title over 200 characters", "t".repeat(201)],
  ])("refuses %s", async (_name, title) => {
    const response = await server.gql(CREATE_TASK, { title }, { token: user.accessToken });
    expect(response.body.errors?.[0].extensions).toEqual({
      code: "BAD_USER_INPUT",
      field: "title",
    });
  });

  it("refuses an empty title in a patch and keeps the stored one", async () => {
    const task = await create(user, "keep me");
    const response = await server.gql(
      UPDATE_TASK,
      { id: task.id, patch: { title: " " } },
      { token: user.accessToken },
    );
    expect(errorCode(response)).toBe("BAD_USER_INPUT");
    const stored = await server.gql<{ task: { title: string } }>(
      TASK,
      { id: task.id },
      { token: user.accessToken },
    );
    expect(stored.body.data?.task.title).toBe("keep me");
  });

  it.each([["not-a-uuid"], ["1"], ["' OR 1=1 --"]])(
    "refuses the id %p with BAD_USER_INPUT",
    async (id) => {
      for (const document of [TASK, DELETE_TASK]) {
        const response = await server.gql(document, { id }, { token: user.accessToken });
        expect(response.body.errors?.[0].extensions).toEqual({
          code: "BAD_USER_INPUT",
          field: "id",
        });
      }
    },
  );

  it("answers NOT_FOUND for changes to a task that does not exist", async () => {
    const id = "3f0c1c9e-1111-4c1d-9a9a-000000000000";
    expect(
      errorCode(
        await server.gql(UPDATE_TASK, { id, patch: { done: true } }, { token: user.accessToken }),
      ),
    ).toBe("NOT_FOUND");
    expect(errorCode(await server.gql(DELETE_TASK, { id }, { token: user.accessToken }))).toBe(
      "NOT_FOUND",
    );
  });
});
