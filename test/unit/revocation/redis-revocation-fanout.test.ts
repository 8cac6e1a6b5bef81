import {
  MAX_SESSION_IDS_PER_MESSAGE,
  parseRevocationMessage,
  revocationChannel,
} from "../../../src/revocation/redis-revocation-fanout";

const FROM = "0b6f7c1e-7d1c-4a8e-9a59-4f8f2b1d3c00";
const SESSION = "5f0c2a4e-2b7d-4c4e-8a43-1d2e3f4a5b6c";

const parse = (message: unknown) =>
  parseRevocationMessage(typeof message === "string" ? message : JSON.stringify(message));

describe("parseRevocationMessage", () => {
  it("accepts revoked sessions", () => {
    expect(parse({ v: 1, from: FROM, sessionIds: [SESSION, "s-2"] })).toEqual({
      message: { v: 1, from: FROM, sessionIds: [SESSION, "s-2"] },
    });
  });

  it("accepts a role change, including one to no known role", () => {
    expect(parse({ v: 1, from: FROM, roles: { userId: "u-1", roles: ["USER", "ADMIN"] } })).toEqual(
      { message: { v: 1, from: FROM, roles: { userId: "u-1", roles: ["USER", "ADMIN"] } } },
    );
    expect(parse({ v: 1, from: FROM, roles: { userId: "u-1", roles: [] } })).toEqual({
      message: { v: 1, from: FROM, roles: { userId: "u-1", roles: [] } },
    });
  });

  it("accepts ids of 64 characters and as many ids as a message may hold", () => {
    const ids = Array.from({ length: MAX_SESSION_IDS_PER_MESSAGE }, () => "x".repeat(64));
    expect(parse({ v: 1, from: "f".repeat(64), sessionIds: ids })).toHaveProperty("message");
  });

  it.each<[string, unknown]>([
    ["not JSON", "{"],
    ["JSON null", "null"],
    ["an array", [{ v: 1, from: FROM, sessionIds: [SESSION] }]],
    ["a string", "revoke everything"],
    ["no version", { from: FROM, sessionIds: [SESSION] }],
    ["another version", { v: 2, from: FROM, sessionIds: [SESSION] }],
    ["no sender", { v: 1, sessionIds: [SESSION] }],
    ["an empty sender", { v: 1, from: "", sessionIds: [SESSION] }],
    ["a sender of 65 characters", { v: 1, from: "f".repeat(65), sessionIds: [SESSION] }],
    ["nothing to revoke", { v: 1, from: FROM }],
    ["an unknown field", { v: 1, from: FROM, sessionIds: [SESSION], everyone: true }],
    ["sessionIds not an array", { v: 1, from: FROM, sessionIds: SESSION }],
    ["no session ids", { v: 1, from: FROM, sessionIds: [] }],
    ["a numeric session id", { v: 1, from: FROM, sessionIds: [42] }],
    ["an empty session id", { v: 1, from: FROM, sessionIds: [""] }],
    ["a session id of 65 characters", { v: 1, from: FROM, sessionIds: ["s".repeat(65)] }],
    ["a null session id", { v: 1, from: FROM, sessionIds: [SESSION, null] }],
    [
      "too many session ids",
      {
        v: 1,
        from: FROM,
        sessionIds: Array.from({ length: MAX_SESSION_IDS_PER_MESSAGE + 1 }, (_, i) => `s-${i}`),
      },
    ],
    ["roles not an object", { v: 1, from: FROM, roles: ["USER"] }],
    ["roles without a user", { v: 1, from: FROM, roles: { roles: ["USER"] } }],
    ["a numeric user id", { v: 1, from: FROM, roles: { userId: 7, roles: ["USER"] } }],
    [
      "a user id of 65 characters",
      { v: 1, from: FROM, roles: { userId: "u".repeat(65), roles: [] } },
    ],
    ["an unknown role", { v: 1, from: FROM, roles: { userId: "u-1", roles: ["ROOT"] } }],
    ["a lower-case role", { v: 1, from: FROM, roles: { userId: "u-1", roles: ["admin"] } }],
    ["roles not a list", { v: 1, from: FROM, roles: { userId: "u-1", roles: "ADMIN" } }],
    [
      "more roles than exist",
      { v: 1, from: FROM, roles: { userId: "u-1", roles: ["USER", "USER", "USER", "USER"] } },
    ],
    [
      "an unknown field in roles",
      { v: 1, from: FROM, roles: { userId: "u-1", roles: [], sessions: [SESSION] } },
    ],
  ])("refuses %s", (_, message) => {
    expect(parse(message)).toEqual({ problem: expect.any(String) });
  });

  it("refuses an oversized message before parsing it", () => {
    const raw = JSON.stringify({ v: 1, from: FROM, sessionIds: [SESSION] }) + " ".repeat(200_000);
    expect(parseRevocationMessage(raw)).toEqual({ problem: "message too large" });
  });
});

describe("revocationChannel", () => {
  it("is named after the token issuer, which every instance of a deployment shares", () => {
    expect(revocationChannel("graphql-jwt-api")).toBe("graphql-jwt-api:revocations");
  });
});
