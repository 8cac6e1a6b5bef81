import {
  getNamedType,
  getNullableType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { getMetadataStorage } from "type-graphql";
import { PUBLIC_OPERATIONS } from "../../src/auth/auth.resolver";
import { Role } from "../../src/core/role";
import { buildAppSchema } from "../../src/app/schema";
import { rulesByCoordinate } from "../../src/authorization/enforce-rules";
import { databaseKinds } from "../support/databases";
import { CREATE_TASK, DELETE_TASK, SET_USER_ROLES, TASK, UPDATE_TASK } from "../support/documents";
import { registerUser, signedInWithRoles, type SignedInUser } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";

const SOME_UUID = "00000000-0000-4000-8000-000000000000";

/** A literal of the given input type, with every required member filled in. */
function sampleLiteral(type: GraphQLInputType): string {
  const inner = getNullableType(type);
  if (isListType(inner)) return `[${sampleLiteral(inner.ofType)}]`;
  if (isEnumType(inner)) return inner.getValues()[0].name;
  if (isInputObjectType(inner)) {
    const members = Object.values(inner.getFields())
      .filter((field) => isNonNullType(field.type))
      .map((field) => `${field.name}: ${sampleLiteral(field.type)}`);
    return `{ ${members.join(", ")} }`;
  }
  if (isScalarType(inner)) {
    return (
      { ID: `"${SOME_UUID}"`, String: `"x"`, Boolean: "false", Int: "0", Float: "0" }[inner.name] ??
      `"x"`
    );
  }
  throw new Error(`No sample for ${String(type)}`);
}

function documentFor(
  operation: "query" | "mutation",
  field: GraphQLField<unknown, unknown>,
): string {
  const args = field.args
    .filter((arg: GraphQLArgument) => isNonNullType(arg.type))
    .map((arg) => `${arg.name}: ${sampleLiteral(arg.type)}`);
  const selection = isObjectType(getNamedType(field.type)) ? " { __typename }" : "";
  return `${operation} { ${field.name}${args.length ? `(${args.join(", ")})` : ""}${selection} }`;
}

describe.each(databaseKinds())("authorization ($name)", (kind) => {
  let server: TestServer;
  let user: SignedInUser;
  let otherUser: SignedInUser;
  let editor: SignedInUser;
  let admin: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    [user, otherUser, editor, admin] = await Promise.all([
      registerUser(server),
      registerUser(server),
      signedInWithRoles(server, [Role.EDITOR]),
      signedInWithRoles(server, [Role.ADMIN]),
    ]);
  });
  afterAll(() => server.close());

  async function createTaskAs(owner: SignedInUser, title = "a task"): Promise<string> {
    const response = await server.gql<{ createTask: { id: string } }>(
      CREATE_TASK,
      { title },
      { token: owner.accessToken },
    );
    const id = response.body.data?.createTask.id;
    if (!id) throw new Error(JSON.stringify(response.body));
    return id;
  }

  describe("deny by default", () => {
    it("refuses every query and mutation outside the public list to an anonymous caller", async () => {
      const schema = await buildAppSchema();
      const checked: string[] = [];
      for (const [operation, type] of [
        ["query", schema.getQueryType()],
        ["mutation", schema.getMutationType()],
      ] as const) {
        for (const field of Object.values(type?.getFields() ?? {})) {
          if (PUBLIC_OPERATIONS.includes(field.name)) continue;
          const response = await server.gql(documentFor(operation, field));
          expect({ field: field.name, status: response.status, code: errorCode(response) }).toEqual(
            {
              field: field.name,
              status: 200,
              code: "UNAUTHENTICATED",
            },
          );
          checked.push(field.name);
        }
      }
      // Guards against a walk that silently checks nothing.
      expect(checked).toEqual(
        expect.arrayContaining(["me", "tasks", "users", "createTask", "setUserRoles"]),
      );
    });

    it("puts a @Requires rule on every operation and field resolver outside the public list", async () => {
      await buildAppSchema();
      const storage = getMetadataStorage();
      const enforced = rulesByCoordinate();
      const typeName = (target: unknown) =>
        storage.objectTypes.find((type) => type.target === target)?.name;
      const handlers = [
        ...storage.queries.map((entry) => ({ entry, coordinate: `Query.${entry.schemaName}` })),
        ...storage.mutations.map((entry) => ({
          entry,
          coordinate: `Mutation.${entry.schemaName}`,
        })),
        ...storage.subscriptions.map((entry) => ({
          entry,
          coordinate: `Subscription.${entry.schemaName}`,
        })),
        ...storage.fieldResolvers.map((entry) => ({
          entry,
          coordinate: `${typeName(entry.getObjectType?.())}.${entry.schemaName}`,
        })),
      ];
      const unguarded = handlers
        .filter(({ entry }) => !PUBLIC_OPERATIONS.includes(entry.schemaName))
        .filter(({ coordinate }) => enforced.get(coordinate) === undefined)
        .map(({ entry }) => `${entry.target.name}.${entry.methodName}`);
      expect(unguarded).toEqual([]);
      expect(storage.queries.length + storage.mutations.length).toBeGreaterThan(5);
      expect(storage.fieldResolvers.length).toBeGreaterThan(3);
    });

    it("keeps the public list to the sign-in operations", () => {
      // logout is public so that a client whose access token expired can still end its session
      // with its refresh token; it refuses callers that present neither.
      expect([...PUBLIC_OPERATIONS].sort()).toEqual(["login", "logout", "refresh", "register"]);
    });
  });

  describe("roles", () => {
    it.each([
      ["USER", () => user, "FORBIDDEN"],
      ["EDITOR", () => editor, null],
      ["ADMIN", () => admin, null],
    ])("allTasks as %s", async (_role, who, code) => {
      const response = await server.gql("{ allTasks { id } }", {}, { token: who().accessToken });
      expect(errorCode(response) ?? null).toBe(code);
    });

    it.each([
      ["USER", () => user, "FORBIDDEN"],
      ["EDITOR", () => editor, "FORBIDDEN"],
      ["ADMIN", () => admin, null],
    ])("users as %s", async (_role, who, code) => {
      const response = await server.gql<{ users: Array<{ id: string }> }>(
        "{ users { id email roles } }",
        {},
        {
          token: who().accessToken,
        },
      );
      expect(errorCode(response) ?? null).toBe(code);
      if (!code)
        expect(response.body.data?.users.map((u) => u.id)).toEqual(
          expect.arrayContaining([user.id, admin.id]),
        );
    });

    it.each([
      ["USER", () => user],
      ["EDITOR", () => editor],
    ])("setUserRoles is refused to %s", async (_role, who) => {
      const response = await server.gql(
        SET_USER_ROLES,
        { userId: who().id, roles: ["ADMIN"] },
        { token: who().accessToken },
      );
      expect(errorCode(response)).toBe("FORBIDDEN");
    });

    it("lets an ADMIN set roles, which the next sign-in carries", async () => {
      const target = await registerUser(server);
      const response = await server.gql<{ setUserRoles: { roles: string[] } }>(
        SET_USER_ROLES,
        { userId: target.id, roles: ["EDITOR", "USER", "EDITOR"] },
        { token: admin.accessToken },
      );
      expect(response.body.data?.setUserRoles.roles).toEqual(["USER", "EDITOR"]);
      const { login } = await import("../support/factories");
      const again = await login(server, target.email, target.password);
      const allTasks = await server.gql("{ allTasks { id } }", {}, { token: again.accessToken });
      expect(allTasks.body.errors).toBeUndefined();
    });

    it("refuses setUserRoles with no roles, a bad id or an unknown user", async () => {
      const token = admin.accessToken;
      expect(
        errorCode(await server.gql(SET_USER_ROLES, { userId: user.id, roles: [] }, { token })),
      ).toBe("BAD_USER_INPUT");
      expect(
        errorCode(await server.gql(SET_USER_ROLES, { userId: "42", roles: ["USER"] }, { token })),
      ).toBe("BAD_USER_INPUT");
      expect(
        errorCode(
          await server.gql(SET_USER_ROLES, { userId: SOME_UUID, roles: ["USER"] }, { token }),
        ),
      ).toBe("NOT_FOUND");
    });

    it("refuses to take ADMIN from the last admin", async () => {
      const lone = await startTestServer(kind);
      try {
        const onlyAdmin = await signedInWithRoles(lone, [Role.ADMIN]);
        const response = await lone.gql(
          SET_USER_ROLES,
          { userId: onlyAdmin.id, roles: ["USER"] },
          {
            token: onlyAdmin.accessToken,
          },
        );
        expect(errorCode(response)).toBe("BAD_USER_INPUT");
        expect(response.body.errors?.[0].message).toBe(
          "The last ADMIN cannot lose the ADMIN role.",
        );
      } finally {
        await lone.close();
      }
    });
  });

  describe("ownership", () => {
    it("shows a task to its owner, an EDITOR and an ADMIN, and refuses it to another USER", async () => {
      const id = await createTaskAs(user);
      for (const reader of [user, editor, admin]) {
        const response = await server.gql<{ task: { id: string } }>(
          TASK,
          { id },
          { token: reader.accessToken },
        );
        expect(response.body.data?.task.id).toBe(id);
      }
      const refused = await server.gql(TASK, { id }, { token: otherUser.accessToken });
      expect(errorCode(refused)).toBe("FORBIDDEN");
      expect(refused.body.data?.task).toBeNull();
    });

    it("lets the owner, an EDITOR and an ADMIN update a task, not another USER", async () => {
      const id = await createTaskAs(user);
      for (const [writer, title] of [
        [user, "by owner"],
        [editor, "by editor"],
        [admin, "by admin"],
      ] as const) {
        const response = await server.gql<{ updateTask: { title: string } }>(
          UPDATE_TASK,
          { id, patch: { title } },
          { token: writer.accessToken },
        );
        expect(response.body.data?.updateTask.title).toBe(title);
      }
      const refused = await server.gql(
        UPDATE_TASK,
        { id, patch: { done: true } },
        { token: otherUser.accessToken },
      );
      expect(errorCode(refused)).toBe("FORBIDDEN");
      const after = await server.gql<{ task: { done: boolean; title: string } }>(
        TASK,
        { id },
        { token: user.accessToken },
      );
      expect(after.body.data?.task).toMatchObject({ done: false, title: "by admin" });
    });

    it("lets only the owner or an ADMIN delete a task", async () => {
      const id = await createTaskAs(user);
      for (const refusedTo of [otherUser, editor]) {
        const response = await server.gql(DELETE_TASK, { id }, { token: refusedTo.accessToken });
        expect(errorCode(response)).toBe("FORBIDDEN");
      }
      const byAdmin = await server.gql<{ deleteTask: boolean }>(
        DELETE_TASK,
        { id },
        { token: admin.accessToken },
      );
      expect(byAdmin.body.data?.deleteTask).toBe(true);
      const own = await createTaskAs(user);
      const byOwner = await server.gql<{ deleteTask: boolean }>(
        DELETE_TASK,
        { id: own },
        { token: user.accessToken },
      );
      expect(byOwner.body.data?.deleteTask).toBe(true);
    });

    it("lets an EDITOR follow a task to its owner's tasks", async () => {
      const id = await createTaskAs(user, "visible to editors");
      const response = await server.gql<{ task: { owner: { tasks: Array<{ id: string }> } } }>(
        `query($id: ID!) { task(id: $id) { owner { displayName tasks { id } } } }`,
        { id },
        { token: editor.accessToken },
      );
      expect(response.body.data?.task.owner.tasks.map((task) => task.id)).toContain(id);
    });

    it("honours the roles in the token, not a role claimed elsewhere in the request", async () => {
      const response = await server.gql(
        "{ users { id } }",
        {},
        {
          token: user.accessToken,
          headers: { "x-roles": "ADMIN", "x-user-id": admin.id },
        },
      );
      expect(errorCode(response)).toBe("FORBIDDEN");
    });
  });
});
