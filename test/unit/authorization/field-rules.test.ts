import { isObjectType } from "graphql";
import { buildAppSchema } from "../../../src/app/schema";
import type { Rule } from "../../../src/authorization/rules";
import { rulesByCoordinate } from "../../../src/authorization/enforce-rules";

/**
 * Every field of every object type, and who may read it. A field either has a rule of its own, or
 * is listed here with the reason it needs none. A new field that is in neither fails this test,
 * so nobody adds a field carrying another user's data without deciding who may read it.
 */
const READABLE_WITH_ITS_PARENT: Record<string, string> = {
  "User.id": "who owns a task is part of the task: anyone who may read the task",
  "User.displayName": "the public name shown beside a task: anyone who may read the task",
  "Task.id": "Task is reached only through rules that check the caller may read the task",
  "Task.title": "as Task.id",
  "Task.done": "as Task.id",
  "Task.createdAt": "as Task.id",
  "Task.updatedAt": "as Task.id",
  "Task.cursor": "as Task.id (built from the task's own createdAt and id)",
  "Task.owner": "the owner's readable fields carry their own rules (User.email, ...)",
  "Session.id": "Session is reached only through `sessions`, the caller's own",
  "Session.createdAt": "as Session.id",
  "Session.lastUsedAt": "as Session.id",
  "Session.expiresAt": "as Session.id",
  "Session.userAgent": "as Session.id",
  "Session.current": "as Session.id",
  "TaskEvent.kind":
    "TaskEvent is reached only through taskEvents, which lets through a change only when the " +
    "caller may read its task, asked per event with the caller's current permissions",
  "TaskEvent.taskId": "as TaskEvent.kind",
  "TaskEvent.task": "as TaskEvent.kind; the task's own fields carry their own rules",
  "AuthPayload.accessToken": "the payload of the caller's own sign-in",
  "AuthPayload.refreshToken": "as AuthPayload.accessToken",
  "AuthPayload.tokenType": "as AuthPayload.accessToken",
  "AuthPayload.expiresIn": "as AuthPayload.accessToken",
  "AuthPayload.refreshExpiresIn": "as AuthPayload.accessToken",
  "AuthPayload.user": "the caller's own user; its private fields carry their own rules",
};

/** The fields that carry another user's data, which must never be readable without a rule. */
const ANOTHER_USERS_DATA = [
  "User.email",
  "User.roles",
  "User.createdAt",
  "User.cursor",
  "User.tasks",
];

async function rulesByField(): Promise<Map<string, readonly Rule[]>> {
  const schema = await buildAppSchema();
  const enforced = rulesByCoordinate();
  const rules = new Map<string, readonly Rule[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    if (["Query", "Mutation", "Subscription"].includes(type.name)) continue;
    for (const field of Object.keys(type.getFields())) {
      const rule = enforced.get(`${type.name}.${field}`);
      rules.set(`${type.name}.${field}`, rule ? [rule] : []);
    }
  }
  return rules;
}

describe("field rules", () => {
  it("gives every field of every object type a rule, or a reason to need none", async () => {
    const fields = await rulesByField();
    const undecided = [...fields]
      .filter(
        ([coordinate, rules]) => rules.length === 0 && !(coordinate in READABLE_WITH_ITS_PARENT),
      )
      .map(([coordinate]) => coordinate);
    expect(undecided).toEqual([]);
    // The list names only fields that exist, so it cannot hide a renamed one.
    expect(Object.keys(READABLE_WITH_ITS_PARENT).filter((c) => !fields.has(c))).toEqual([]);
    expect(fields.size).toBeGreaterThan(20);
  });

  it.each(ANOTHER_USERS_DATA)("guards %s with an owner rule", async (coordinate) => {
    const rules = (await rulesByField()).get(coordinate);
    expect(rules).toHaveLength(1);
    expect(rules?.[0]).toMatchObject({ kind: "owner-or-any" });
    expect(READABLE_WITH_ITS_PARENT[coordinate]).toBeUndefined();
  });
});
