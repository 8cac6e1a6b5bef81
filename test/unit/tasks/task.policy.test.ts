import type { Principal } from "../../../src/core/principal";
import { taskPolicy } from "../../../src/tasks/task.policy";
import { Role } from "../../../src/core/role";

const OWNER_ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const OTHER_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const task = { ownerId: OWNER_ID };

const caller = (userId: string, roles: Role[]): Principal => ({
  userId,
  sessionId: "16fd2706-8baf-433b-82eb-8c7fada847da",
  tokenId: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
  roles,
  scope: null,
  issuedAt: 0,
  expiresAt: 900,
});

type Check = "canRead" | "canUpdate" | "canDelete";

describe("taskPolicy", () => {
  // [who, userId, roles, canRead, canUpdate, canDelete]
  const matrix: Array<[string, string, Role[], boolean, boolean, boolean]> = [
    ["the owner", OWNER_ID, [Role.USER], true, true, true],
    ["the owner without any role", OWNER_ID, [], true, true, true],
    ["another USER", OTHER_ID, [Role.USER], false, false, false],
    ["another caller without roles", OTHER_ID, [], false, false, false],
    ["an EDITOR", OTHER_ID, [Role.USER, Role.EDITOR], true, true, false],
    ["an ADMIN", OTHER_ID, [Role.ADMIN], true, true, true],
  ];

  describe.each(matrix)("for %s", (_who, userId, roles, read, update, remove) => {
    const principal = caller(userId, roles);
    it.each<[Check, boolean]>([
      ["canRead", read],
      ["canUpdate", update],
      ["canDelete", remove],
    ])("%s is %s", (check, allowed) => {
      expect(taskPolicy[check](principal, task)).toBe(allowed);
    });
  });

  it("compares owner ids exactly", () => {
    const shouting = caller(OWNER_ID.toUpperCase(), [Role.USER]);
    expect(taskPolicy.canRead(shouting, task)).toBe(false);
  });

  describe("canListTasksOf", () => {
    it("lets users list their own tasks", () => {
      expect(taskPolicy.canListTasksOf(caller(OWNER_ID, [Role.USER]), OWNER_ID)).toBe(true);
    });

    it("refuses a USER listing someone else's tasks", () => {
      expect(taskPolicy.canListTasksOf(caller(OTHER_ID, [Role.USER]), OWNER_ID)).toBe(false);
    });

    it.each([Role.EDITOR, Role.ADMIN])("lets an %s list anyone's tasks", (role) => {
      expect(taskPolicy.canListTasksOf(caller(OTHER_ID, [role]), OWNER_ID)).toBe(true);
    });
  });
});
