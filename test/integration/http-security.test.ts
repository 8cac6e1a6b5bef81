import { databaseKinds } from "../support/databases";
import { LOGIN, ME, REFRESH } from "../support/documents";
import { DEFAULT_PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";
import { API_CONTENT_SECURITY_POLICY } from "../../src/http/security-headers";
import { PLAYGROUND_CSP } from "../../src/playground/playground";

const CSRF_MESSAGE = /Cross-Site Request Forgery/;
const APP_ORIGIN = "https://app.example.com";
const DEV_ORIGIN = "http://localhost:5173";

function expectSecurityHeaders(headers: Headers): void {
  expect(headers.get("content-security-policy")).toBe("default-src 'none';frame-ancestors 'none'");
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("x-frame-options")).toBe("DENY");
  expect(headers.get("referrer-policy")).toBe("no-referrer");
  expect(headers.get("x-powered-by")).toBeNull();
}

describe.each(databaseKinds())("CSRF prevention ($name)", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  const register = (email: string) =>
    JSON.stringify({
      query: `mutation { register(input: { email: "${email}", password: "${DEFAULT_PASSWORD}" }) { tokenType } }`,
    });

  it.each([
    ["text/plain", (email: string) => register(email)],
    [
      "application/x-www-form-urlencoded",
      (email: string) => `query=${encodeURIComponent(register(email))}`,
    ],
    [
      "multipart/form-data; boundary=x",
      (email: string) => `--x\r\n\r\n${register(email)}\r\n--x--`,
    ],
  ])(
    "refuses a %s POST, which a browser sends cross-site without a preflight",
    async (type, body) => {
      const email = uniqueEmail("csrf");
      const response = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": type },
        body: body(email),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(CSRF_MESSAGE);
      const login = await server.gql(LOGIN, { input: { email, password: DEFAULT_PASSWORD } });
      expect(errorCode(login)).toBe("UNAUTHENTICATED");
    },
  );

  it("refuses a simple GET, query or mutation, without a preflight-requiring header", async () => {
    for (const query of ["{ __typename }", "mutation { logout }"]) {
      const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(CSRF_MESSAGE);
    }
    // With the header, a mutation over GET is still refused (Apollo runs mutations on POST only).
    const preflighted = await fetch(
      `${server.url}/graphql?query=${encodeURIComponent("mutation { logout }")}`,
      { headers: { "apollo-require-preflight": "true" } },
    );
    expect(preflighted.status).toBe(405);
  });

  it("marks a login response, which carries tokens, as never to be stored", async () => {
    const user = await registerUser(server);
    const login = await server.gql(LOGIN, {
      input: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
    expect(login.headers.get("cache-control")).toBe("no-store");
    expect(login.headers.get("set-cookie")).toContain("refresh_token=");
    const refresh = await server.gql(REFRESH, { refreshToken: user.refreshToken });
    expect(refresh.headers.get("cache-control")).toBe("no-store");
  });
});

describe.each(databaseKinds())("CORS and security headers by default ($name)", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  it("sends no CORS headers to any origin when no allowlist is configured", async () => {
    const response = await server.gql(ME, {}, { headers: { origin: APP_ORIGIN } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    const preflight = await fetch(`${server.url}/graphql`, {
      method: "OPTIONS",
      headers: {
        origin: APP_ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
  });

  it("puts the security headers on every kind of response, and no HSTS outside production", async () => {
    const responses = [
      await fetch(`${server.url}/healthz`),
      await fetch(`${server.url}/readyz`),
      await fetch(`${server.url}/.well-known/jwks.json`),
      await fetch(`${server.url}/nope`),
      await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{ not json",
      }),
      await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }", pad: "x".repeat(200_000) }),
      }),
    ];
    for (const response of responses) {
      expectSecurityHeaders(response.headers);
      expect(response.headers.get("strict-transport-security")).toBeNull();
    }
    const graphql = await server.gql(ME);
    expectSecurityHeaders(graphql.headers);
  });
});

describe.each(databaseKinds())("CORS with an allowlist, in production ($name)", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind, {
      env: { NODE_ENV: "production", CORS_ORIGINS: `${APP_ORIGIN},${DEV_ORIGIN}` },
    });
  });
  afterAll(() => server.close());

  it("allows a listed origin, with credentials, naming exactly that origin", async () => {
    for (const origin of [APP_ORIGIN, DEV_ORIGIN]) {
      const response = await server.gql(ME, {}, { headers: { origin } });
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      expect(response.headers.get("access-control-allow-credentials")).toBe("true");
      expect(response.headers.get("vary")).toMatch(/Origin/i);
    }
    const preflight = await fetch(`${server.url}/graphql`, {
      method: "OPTIONS",
      headers: {
        origin: APP_ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET,POST");
    expect(preflight.headers.get("access-control-allow-headers")).toBe(
      "content-type,authorization",
    );
  });

  it.each([
    "https://evil.example.com",
    "https://app.example.com.evil.example",
    "http://app.example.com",
    "null",
  ])("never reflects the unlisted origin %s, nor allows credentials to it", async (origin) => {
    const response = await server.gql(ME, {}, { headers: { origin } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    const preflight = await fetch(`${server.url}/graphql`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("sends HSTS in production", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.headers.get("strict-transport-security")).toBe(
      "max-age=31536000; includeSubDomains",
    );
    expectSecurityHeaders(response.headers);
  });
});

describe("a route that serves HTML", () => {
  it("replaces the API's Content-Security-Policy by setting its own header", async () => {
    // The app's own mechanism: the playground page sets its policy over the app-wide one.
    const server = await startTestServer(databaseKinds()[0]);
    try {
      const page = await fetch(`${server.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("content-security-policy")).toBe(PLAYGROUND_CSP);
      expect(page.headers.get("x-frame-options")).toBe("DENY");
      const data = await fetch(`${server.url}/healthz`);
      expect(data.headers.get("content-security-policy")).toBe(API_CONTENT_SECURITY_POLICY);
    } finally {
      await server.close();
    }
  });
});
