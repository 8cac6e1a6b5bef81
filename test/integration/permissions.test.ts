import { CapturedLog } from "../support/captured-log";
import { Role } from "../../src/core/role";
import { databaseKinds } from "../support/databases";
import { CREATE_TASK } from "../support/documents";
import {
  DEFAULT_PASSWORD,
  registerUser,
  signedInWithRoles,
  type SignedInUser,
} from "../support/factories";
import { startTestServer, type GraphQLResponse, type TestServer } from "../support/test-server";

interface ErrorShape {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

const errorsOf = (response: GraphQLResponse<unknown>): ErrorShape[] => response.body.errors ?? [];

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;

const LOGIN_SCOPED = `mutation($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken user { id email roles } }
}`;
const REFRESH = `mutation($t: String) { refresh(refreshToken: $t) { accessToken refreshToken } }`;

describe.each(databaseKinds())("permissions, scopes and field rules ($name)", (kind) => {
  let server: TestServer;
  let log: CapturedLog;
  let owner: SignedInUser;
  let otherUser: SignedInUser;
  let editor: SignedInUser;
  let admin: SignedInUser;
  let taskId: string;

  beforeAll(async () => {
    log = new CapturedLog("info");
    server = await startTestServer(kind, { logger: log.logger });
    [owner, otherUser, editor, admin] = await Promise.all([
      registerUser(server, { displayName: "Owner" }),
      registerUser(server),
      signedInWithRoles(server, [Role.EDITOR]),
      signedInWithRoles(server, [Role.ADMIN]),
    ]);
    const created = await server.gql<{ createTask: { id: string } }>(
      CREATE_TASK,
      { title: "owned" },
      { token: owner.accessToken },
    );
    taskId = created.body.data!.createTask.id;
  });
  afterAll(() => server.close());

  describe("field rules on User, whatever the path", () => {
    it("lets an EDITOR list all tasks with their owners' ids and names", async () => {
      const response = await server.gql<{
        allTasks: Array<{ id: string; owner: { id: string; displayName: string | null } }>;
      }>("{ allTasks { id title owner { id displayName } } }", {}, { token: editor.accessToken });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.allTasks).toContainEqual(
        expect.objectContaining({ id: taskId, owner: { id: owner.id, displayName: "Owner" } }),
      );
    });

    it.each(["email", "roles", "createdAt", "cursor"])(
      "refuses an EDITOR another user's %s through allTasks.owner, at the field's own path",
      async (field) => {
        const response = await server.gql(
          `{ allTasks { id owner { id ${field} } } }`,
          {},
          { token: editor.accessToken },
        );
        const errors = errorsOf(response);
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) {
          expect(error.extensions).toMatchObject({
            code: "FORBIDDEN",
            authz: { at: `User.${field}`, rule: "read-user-private", owner: false },
          });
          expect(error.path?.[0]).toBe("allTasks");
          expect(error.path?.at(-1)).toBe(field);
        }
        // Non-null fields: the refusal nulls the task, which nulls the non-null list.
        expect(response.body.data).toBeNull();
        expect(JSON.stringify(response.body)).not.toContain(owner.email);
      },
    );

    it("refuses another USER and an EDITOR the owner's email through task(id).owner, and lets the owner and an ADMIN read it", async () => {
      const query = `query($id: ID!) { task(id: $id) { id owner { id email roles } } }`;
      for (const reader of [editor]) {
        const response = await server.gql(query, { id: taskId }, { token: reader.accessToken });
        // One refusal nulls the owner; graphql-js reports the first of its fields that failed.
        const codes = errorsOf(response).map((error) => error.extensions?.code);
        expect(codes.length).toBeGreaterThan(0);
        expect(new Set(codes)).toEqual(new Set(["FORBIDDEN"]));
        expect(JSON.stringify(response.body)).not.toContain(owner.email);
      }
      const refusedTask = await server.gql(query, { id: taskId }, { token: otherUser.accessToken });
      expect(errorsOf(refusedTask)[0]?.extensions?.code).toBe("FORBIDDEN");
      for (const reader of [owner, admin]) {
        const response = await server.gql<{ task: { owner: { email: string; roles: string[] } } }>(
          query,
          { id: taskId },
          { token: reader.accessToken },
        );
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data?.task.owner).toMatchObject({
          email: owner.email,
          roles: ["USER"],
        });
      }
    });

    it("lets an ADMIN read every user's email through users and allTasks", async () => {
      const response = await server.gql<{ allTasks: Array<{ owner: { email: string } }> }>(
        "{ allTasks { owner { email roles createdAt cursor } } users { email } }",
        {},
        { token: admin.accessToken },
      );
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.allTasks.map((task) => task.owner.email)).toContain(owner.email);
    });

    it("lets everyone read their own email and roles, through me and through their own task", async () => {
      const response = await server.gql<{ me: { email: string } }>(
        `query($id: ID!) { me { email roles createdAt } task(id: $id) { owner { email } } }`,
        { id: taskId },
        { token: owner.accessToken },
      );
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.me.email).toBe(owner.email);
    });

    it("lets a sign-in read its own user's private fields without a bearer token", async () => {
      const response = await server.gql<{ login: { user: { email: string; roles: string[] } } }>(
        LOGIN_SCOPED,
        { input: { email: owner.email, password: DEFAULT_PASSWORD } },
      );
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.login.user).toMatchObject({ email: owner.email, roles: ["USER"] });
    });

    it("refuses User.tasks of another user to a USER, and lets an EDITOR read them", async () => {
      const query = `query($id: ID!) { task(id: $id) { owner { tasks { id } } } }`;
      const byEditor = await server.gql(query, { id: taskId }, { token: editor.accessToken });
      expect(byEditor.body.errors).toBeUndefined();
      // Another USER cannot reach the task at all; through their own `me` they see their own.
      const own = await server.gql<{ me: { tasks: unknown[] } }>(
        "{ me { tasks { id } } }",
        {},
        { token: otherUser.accessToken },
      );
      expect(own.body.errors).toBeUndefined();
    });
  });

  describe("scopes narrow, never widen", () => {
    async function loginWithScope(user: SignedInUser, scope: string) {
      return server.gql<{ login: { accessToken: string; refreshToken: string } }>(LOGIN_SCOPED, {
        input: { email: user.email, password: user.password, scope },
      });
    }

    it("issues a token with the scope claim, refuses createTask for want of scope, and still reads", async () => {
      const response = await loginWithScope(owner, "task:read");
      const token = response.body.data!.login.accessToken;
      expect(claimsOf(token).scope).toBe("task:read");

      const created = await server.gql(CREATE_TASK, { title: "no" }, { token });
      expect(errorsOf(created)[0]?.extensions).toMatchObject({
        code: "FORBIDDEN",
        reason: "INSUFFICIENT_SCOPE",
        authz: { rule: "create-task", requires: "task:write", scope: ["task:read"] },
      });
      const read = await server.gql<{ tasks: Array<{ id: string }> }>(
        "{ tasks { id } }",
        {},
        { token },
      );
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data?.tasks.map((task) => task.id)).toContain(taskId);
    });

    it("keeps the session's scope across refresh", async () => {
      const first = (await loginWithScope(owner, "task:read")).body.data!.login;
      const refreshed = await server.gql<{ refresh: { accessToken: string } }>(REFRESH, {
        t: first.refreshToken,
      });
      const token = refreshed.body.data!.refresh.accessToken;
      expect(claimsOf(token).scope).toBe("task:read");
      const created = await server.gql(CREATE_TASK, { title: "no" }, { token });
      expect(errorsOf(created)[0]?.extensions?.reason).toBe("INSUFFICIENT_SCOPE");
    });

    it("narrows an ADMIN: a task:read:any token reads all tasks but may not list users", async () => {
      const token = (await loginWithScope(admin, "task:read:any")).body.data!.login.accessToken;
      const tasks = await server.gql("{ allTasks { id } }", {}, { token });
      expect(tasks.body.errors).toBeUndefined();
      const users = await server.gql("{ users { id } }", {}, { token });
      expect(errorsOf(users)[0]?.extensions).toMatchObject({
        code: "FORBIDDEN",
        reason: "INSUFFICIENT_SCOPE",
      });
    });

    it("never widens: a USER asking for user:read:any gets a token that lists no users", async () => {
      const token = (await loginWithScope(otherUser, "user:read:any task:read")).body.data!.login
        .accessToken;
      const users = await server.gql("{ users { id } }", {}, { token });
      const error = errorsOf(users)[0];
      expect(error?.extensions?.code).toBe("FORBIDDEN");
      expect(error?.extensions?.reason).toBeUndefined();
    });

    it.each(["task:read task:fly", "TASK:READ", "task:read:any:any", "*"])(
      "refuses the unknown scope %j with BAD_USER_INPUT, opening no session",
      async (scope) => {
        const before = await server.gql<{ sessions: unknown[] }>(
          "{ sessions { id } }",
          {},
          { token: otherUser.accessToken },
        );
        const response = await loginWithScope(otherUser, scope);
        expect(response.body.data).toBeNull();
        expect(errorsOf(response)[0]?.extensions).toMatchObject({
          code: "BAD_USER_INPUT",
          field: "scope",
        });
        const after = await server.gql<{ sessions: unknown[] }>(
          "{ sessions { id } }",
          {},
          { token: otherUser.accessToken },
        );
        expect(after.body.data?.sessions.length).toBe(before.body.data?.sessions.length);
      },
    );

    it("refuses a scope far longer than every permission name together", async () => {
      const response = await loginWithScope(otherUser, "task:read ".repeat(2_000));
      expect(errorsOf(response)[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    });
  });

  describe("refused admin operations", () => {
    it("leave an audit line naming the operation and the rule", async () => {
      const response = await server.gql(
        `mutation($id: ID!) { revokeUserSessions(userId: $id) }`,
        { id: owner.id },
        { token: editor.accessToken },
      );
      expect(errorsOf(response)[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(log.auditLines()).toContainEqual(
        expect.objectContaining({
          event: "authorization.refused",
          userId: editor.id,
          operation: "Mutation.revokeUserSessions",
          rule: "revoke-user-sessions",
        }),
      );
    });

    it("leave one for deleting someone else's task, which only task:delete:any allows", async () => {
      const response = await server.gql(
        `mutation($id: ID!) { deleteTask(id: $id) }`,
        { id: taskId },
        { token: editor.accessToken },
      );
      expect(errorsOf(response)[0]?.extensions).toMatchObject({
        code: "FORBIDDEN",
        authz: { at: "Mutation.deleteTask", rule: "delete-task", owner: false },
      });
      expect(log.auditLines()).toContainEqual(
        expect.objectContaining({
          event: "authorization.refused",
          operation: "Mutation.deleteTask",
        }),
      );
    });
  });
});
