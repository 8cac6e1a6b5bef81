import { randomBytes } from "node:crypto";
import { createApp, type App, type RunningApp } from "../../src/app/app";
import type { RateLimiter } from "../../src/rate-limit/rate-limiter";
import type { PasswordHasher } from "../../src/users/password-hasher";
import type { Clock } from "../../src/core/clock";
import { loadConfig } from "../../src/config/config";
import type { Logger } from "../../src/logging/logger";
import type { SubscriptionLimits } from "../../src/subscriptions/close-codes";
import type { DatabaseKind, TestDatabase } from "./databases";

export interface GraphQLResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: T | null;
    errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
  };
}

export interface RequestOptions {
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

export interface TestServer {
  readonly url: string;
  readonly app: App;
  readonly database: TestDatabase;
  readonly secret: string;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly env?: Record<string, string>;
  readonly clock?: Clock;
  readonly hasher?: PasswordHasher;
  /** Rewrites the database URL the app connects to (for example, through a TcpProxy). */
  readonly databaseUrl?: (url: string) => string;
  /** Serve this existing database (another server's, say) instead of a fresh one; not dropped. */
  readonly database?: TestDatabase;
  /** The signing secret; another server's, to share tokens with it. */
  readonly secret?: string;
  readonly logger?: Logger;
  readonly rateLimiter?: RateLimiter;
  readonly subscriptionLimits?: Partial<SubscriptionLimits>;
}

/** A real server on a free loopback port, over a fresh database of the given kind. */
export async function startTestServer(
  kind: DatabaseKind,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const shared = options.database;
  const database = shared ?? (await kind.create());
  const dropDatabase = () => (shared ? Promise.resolve() : database.drop());
  const secret = options.secret ?? randomBytes(32).toString("base64url");
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(database.url) : database.url,
    JWT_SECRET: secret,
    HOST: "127.0.0.1",
    PORT: "0",
    // Silent whatever NODE_ENV a test picks (production's posture logs at info): a test that
    // reads the logs passes its own logger.
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const app = await createApp(config, {
    clock: options.clock,
    hasher: options.hasher,
    logger: options.logger,
    rateLimiter: options.rateLimiter,
    subscriptionLimits: options.subscriptionLimits,
  });
  let running: RunningApp;
  try {
    running = await app.start();
  } catch (error) {
    await dropDatabase();
    throw error;
  }
  const url = running.url;
  return {
    url,
    app,
    database,
    secret,
    gql: (query, variables, requestOptions) => postGraphQL(url, query, variables, requestOptions),
    close: async () => {
      await app.stop();
      await dropDatabase();
    },
  };
}

export async function postGraphQL<T>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...options.headers,
  };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: GraphQLResponse<T>["body"];
  try {
    body = JSON.parse(text) as GraphQLResponse<T>["body"];
  } catch {
    throw new Error(`Non-JSON response (HTTP ${response.status}): ${text.slice(0, 500)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/** The `extensions.code` of the first error, or undefined when the response has none. */
export function errorCode(response: GraphQLResponse<unknown>): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}
