import { randomBytes } from "node:crypto";
import type { RequestOrigin } from "../../src/core/request-origin";
import type { Role } from "../../src/core/role";
import { LOGIN, REGISTER } from "./documents";
import type { TestServer } from "./test-server";

export interface SignedInUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

interface AuthData {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
}

/** The origin services are told of when a test calls them directly, not over HTTP. */
export function testOrigin(requestId = "test"): RequestOrigin {
  return { requestId, clientAddress: null, userAgent: null };
}

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}@example.com`;
}

export const DEFAULT_PASSWORD = "correct horse battery staple";

/** Registers a new account over HTTP, as a client would. */
export async function registerUser(
  server: TestServer,
  overrides: { email?: string; password?: string; displayName?: string } = {},
): Promise<SignedInUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const response = await server.gql<{ register: AuthData }>(REGISTER, {
    input: { email, password, displayName: overrides.displayName },
  });
  const data = response.body.data?.register;
  if (!data) throw new Error(`register failed: ${JSON.stringify(response.body.errors)}`);
  return {
    id: data.user.id,
    email,
    password,
    accessToken: data.accessToken,
    refreshToken: data.refreshToken,
  };
}

export async function login(
  server: TestServer,
  email: string,
  password: string,
): Promise<SignedInUser> {
  const response = await server.gql<{ login: AuthData }>(LOGIN, { input: { email, password } });
  const data = response.body.data?.login;
  if (!data) throw new Error(`login failed: ${JSON.stringify(response.body.errors)}`);
  return {
    id: data.user.id,
    email,
    password,
    accessToken: data.accessToken,
    refreshToken: data.refreshToken,
  };
}

/** A user with the given roles (set in the database, as `npm run user:add` does), signed in over HTTP. */
export async function signedInWithRoles(server: TestServer, roles: Role[]): Promise<SignedInUser> {
  const email = uniqueEmail(roles.join("-").toLowerCase() || "user");
  await server.app.services.users.upsert(
    { email, password: DEFAULT_PASSWORD, roles },
    testOrigin(),
  );
  return login(server, email, DEFAULT_PASSWORD);
}
