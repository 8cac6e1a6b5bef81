import { randomBytes, randomUUID } from "node:crypto";
import { execute, type ExecutionResult, type GraphQLSchema, parse } from "graphql";
import { buildExecutableSchema } from "../../src/app/app";
import { Lifecycle } from "../../src/app/lifecycle";
import { createServices, type Services } from "../../src/app/services";
import { loadConfig } from "../../src/config/config";
import type { RequestContext } from "../../src/context/context.type";
import { IssuedPrincipals } from "../../src/context/issued-principals";
import { RequestLoaders } from "../../src/context/request-loaders";
import { RequestRefusal } from "../../src/context/request-refusal";
import type { Principal } from "../../src/core/principal";
import { Role } from "../../src/core/role";
import { createLogger } from "../../src/logging/logger";
import { ExecutionBudgets } from "../../src/request-limits/budget";
import { User } from "../../src/users/user.entity";
import { UserDirectory } from "../../src/users/user-directory";
import { type DatabaseKind, databaseKinds, openMigratedDataSource } from "./databases";
import { DEFAULT_PASSWORD, testOrigin, uniqueEmail } from "./factories";

/** Who to execute as: roles and scope as a token would carry them, and whose user id. */
export interface CallerClaims {
  readonly roles: readonly Role[];
  /** Permission names (the `scope` claim), or null for an unnarrowed token. */
  readonly scope?: readonly string[] | null;
  /** Defaults to an id no user has: enough for rules, not for `me`. */
  readonly userId?: string;
  readonly sessionId?: string;
}

/** A user in the harness's database, signed in through the real AuthService (a real session). */
export interface HarnessUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly refreshToken: string;
  readonly principal: Principal;
}

export interface AuthorizationHarness {
  readonly services: Services;
  readonly schema: GraphQLSchema;
  /** Executes a document in-process as the caller (null: anonymous), with no HTTP and no token. */
  executeAs(
    caller: CallerClaims | Principal | null,
    document: string,
    variables?: Record<string, unknown>,
  ): Promise<ExecutionResult>;
  /** A new account with these roles, signed in (with `scope`, a narrowed session). */
  createUser(options?: { roles?: Role[]; scope?: string }): Promise<HarnessUser>;
  /** A new task owned by the user. */
  createTask(ownerId: string, title?: string): Promise<string>;
  close(): Promise<void>;
}

const isPrincipal = (caller: CallerClaims | Principal): caller is Principal => "tokenId" in caller;

function principalFrom(claims: CallerClaims): Principal {
  return {
    userId: claims.userId ?? randomUUID(),
    sessionId: claims.sessionId ?? randomUUID(),
    tokenId: randomUUID(),
    roles: claims.roles,
    scope: claims.scope ?? null,
    issuedAt: 0,
    expiresAt: 0,
  };
}

/**
 * The real services and schema over a fresh migrated database (SQLite in a temp dir unless told
 * otherwise), executed with graphql-js as a caller you construct: what the HTTP server would do
 * after authenticating the token, with the same context shape (src/context/context.factory.ts).
 */
export async function authorizationHarness(
  kind: DatabaseKind = databaseKinds()[0],
): Promise<AuthorizationHarness> {
  const opened = await openMigratedDataSource(kind);
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: opened.database.url,
    JWT_SECRET: randomBytes(32).toString("base64url"),
  });
  const logger = createLogger("silent");
  const lifecycle = new Lifecycle(logger);
  const services = createServices(config, opened.dataSource, lifecycle, { logger });
  await lifecycle.start();
  const schema = await buildExecutableSchema(
    services,
    new UserDirectory(opened.dataSource.getRepository(User)),
  );
  const budgets = new ExecutionBudgets(config.graphqlLimits);

  const contextFor = (principal: Principal | null): RequestContext => ({
    principal,
    origin: testOrigin(`in-process-${randomUUID()}`),
    loaders: new RequestLoaders(),
    refreshCookie: { read: () => undefined, set: () => undefined, clear: () => undefined },
    refusal: new RequestRefusal(),
    issued: new IssuedPrincipals(),
    budget: budgets.forRequest(),
  });

  return {
    services,
    schema,
    executeAs: async (caller, document, variables = {}) =>
      execute({
        schema,
        document: parse(document),
        variableValues: variables,
        contextValue: contextFor(
          caller === null ? null : isPrincipal(caller) ? caller : principalFrom(caller),
        ),
      }),
    createUser: async ({ roles = [Role.USER], scope } = {}) => {
      const email = uniqueEmail("harness");
      await services.users.upsert({ email, password: DEFAULT_PASSWORD, roles }, testOrigin());
      const signedIn = await services.auth.login(email, DEFAULT_PASSWORD, testOrigin(), scope);
      return {
        id: signedIn.user.id,
        email,
        password: DEFAULT_PASSWORD,
        refreshToken: signedIn.refreshToken,
        principal: signedIn.principal,
      };
    },
    createTask: async (ownerId, title = "a task") =>
      (
        await services.tasks.create(principalFrom({ roles: [Role.USER], userId: ownerId }), {
          title,
        })
      ).id,
    close: async () => {
      await lifecycle.stop();
      await opened.close();
    },
  };
}
