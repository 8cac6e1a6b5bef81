import { afterEach, describe, expect, it, vi } from "vitest";
import { accessTokenStore } from "./access-token";
import { ApiUnreachableError, SessionExpiredError } from "./errors";
import { refreshSession } from "./refresh-session";

const base64url = (value: object) =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const JWT = `${base64url({ alg: "HS256" })}.${base64url({ sub: "u1", roles: ["USER"] })}.sig`;

function answer(status: number, body: unknown, contentType = "application/json") {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  vi.stubGlobal(
    "fetch",
    vi.fn(() =>
      Promise.resolve(new Response(text, { status, headers: { "content-type": contentType } })),
    ),
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  accessTokenStore.set(null);
});

describe("refreshSession", () => {
  it("keeps the new access token when the cookie is accepted", async () => {
    answer(200, { data: { refresh: { accessToken: JWT } } });
    await expect(refreshSession()).resolves.toBe(JWT);
    expect(accessTokenStore.get()).toMatchObject({ jwt: JWT, userId: "u1", roles: ["USER"] });
  });

  it("says the session is over only when the API refuses the cookie", async () => {
    answer(200, {
      data: null,
      errors: [{ message: "Invalid refresh token.", extensions: { code: "UNAUTHENTICATED" } }],
    });
    await expect(refreshSession()).rejects.toBeInstanceOf(SessionExpiredError);
  });

  it.each([
    ["a proxy's 502 page", 502, "Bad Gateway", "text/plain"],
    ["a proxy's 504 page", 504, "<html>Gateway Time-out</html>", "text/html"],
    [
      "the API's own 503 (its database down)",
      503,
      {
        errors: [{ message: "Service unavailable.", extensions: { code: "SERVICE_UNAVAILABLE" } }],
      },
      "application/json",
    ],
  ])("gives no verdict on the session for %s", async (_what, status, body, contentType) => {
    answer(status, body, contentType);
    await expect(refreshSession()).rejects.toBeInstanceOf(ApiUnreachableError);
  });

  it("gives no verdict on the session when no answer comes at all", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))),
    );
    await expect(refreshSession()).rejects.toBeInstanceOf(ApiUnreachableError);
  });
});
