import { ALL_ROLES, isRole, normalizeRoles, Role } from "../../../src/core/role";

describe("roles", () => {
  it("are USER, EDITOR and ADMIN, in that order", () => {
    expect(ALL_ROLES).toEqual(["USER", "EDITOR", "ADMIN"]);
  });

  it.each(["USER", "EDITOR", "ADMIN"])("recognises %s", (name) => {
    expect(isRole(name)).toBe(true);
  });

  it.each(["user", "ROOT", "", null, undefined, 1, ["ADMIN"], { role: "ADMIN" }])(
    "does not recognise %j",
    (value) => {
      expect(isRole(value)).toBe(false);
    },
  );

  it("normalizes to a deduplicated list in a stable order", () => {
    expect(normalizeRoles([Role.ADMIN, Role.USER, Role.ADMIN])).toEqual(["USER", "ADMIN"]);
    expect(normalizeRoles([])).toEqual([]);
  });
});
